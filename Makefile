# Two commands matter: `make demo` and `make test`. Both need only python3 and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-lowest lowest-constraints lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m claude_magic.demo notebooks/01_quickstart.ipynb build/01_quickstart.html

test: $(STAMP)
	$(PY) -m pytest -q

# `make test-lowest`: the same suite on the lowest versions pyproject.toml allows, in its own venv. Every direct
# requirement (runtime and [test]) is pinned at its lower bound in constraints/lowest.txt, the rest resolved to
# versions that work with those; the file is `uv pip compile --resolution lowest-direct` of pyproject.toml for
# Python 3.11. After changing a bound, `make lowest-constraints` rewrites it (tests/faults/test_dependency_versions.py
# fails until then).
LOWEST_PYTHON ?= python3.11
LOWEST_VENV := .venv-lowest
LOWEST_PY := $(LOWEST_VENV)/bin/python
LOWEST_STAMP := $(LOWEST_VENV)/.installed
LOWEST := constraints/lowest.txt

$(LOWEST_PY):
	$(LOWEST_PYTHON) -m venv $(LOWEST_VENV)

$(LOWEST_STAMP): $(LOWEST_PY) pyproject.toml $(LOWEST)
	$(LOWEST_PY) -m pip install --quiet --upgrade pip
	$(LOWEST_PY) -m pip install --quiet -c $(LOWEST) -e ".[test]"
	touch $(LOWEST_STAMP)

test-lowest: $(LOWEST_STAMP)
	$(LOWEST_PY) -m pytest -q

lowest-constraints: $(LOWEST_PY)
	$(LOWEST_PY) -m pip install --quiet uv
	$(LOWEST_VENV)/bin/uv pip compile pyproject.toml --extra test --resolution lowest-direct \
		--python-version 3.11 --no-emit-package claude-magic --quiet -o $(LOWEST)

lint: $(STAMP)
	$(VENV)/bin/ruff check claude_magic tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/load_ext.py

clean:
	rm -rf $(VENV) $(LOWEST_VENV) build .pytest_cache .mypy_cache .ruff_cache

# `make e2e`: the response panel in JupyterLab 4 and Notebook 7, driven in Debian's headless Chromium.
# Chromium comes from apt only when it is missing; the browser deps go into the same venv as `.[e2e]`.
E2E_STAMP := $(VENV)/.installed-e2e
.PHONY: e2e

$(E2E_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[e2e]"
	touch $(E2E_STAMP)

# tests/e2e_build builds what Binder would (a fresh venv from binder/, then binder/start): slow, on the network.
e2e: $(E2E_STAMP)
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	$(PY) -m pytest tests/browser tests/e2e_build -q

# `make lab`: JupyterLab 4 on the tour notebooks. Through binder/start, as on Binder: the simulator
# (paced so replies visibly stream) when ANTHROPIC_API_KEY is unset, the real API when it is set.
# LAB_PORT picks the port (taken: Jupyter stops rather than move), LAB_ARGS adds options (e.g. --no-browser).
LAB_STAMP := $(VENV)/.installed-lab
LAB_PORT ?= 8888
LAB_ARGS ?=
# Jupyter refuses to run as root unless told; containers often are root.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
.PHONY: lab

$(LAB_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[lab]"
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	@if [ -n "$${ANTHROPIC_API_KEY:-}" ]; then echo "make lab: ANTHROPIC_API_KEY is set, cells use the real API"; \
	else echo "make lab: no ANTHROPIC_API_KEY, cells use the built-in simulator"; fi
	@echo "make lab: JupyterLab on notebooks/ at http://localhost:$(LAB_PORT)/lab (Jupyter prints the URL with its token below)"
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" binder/start $(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks \
		--ServerApp.port=$(LAB_PORT) --ServerApp.port_retries=0 $(LAB_ROOT) $(LAB_ARGS)

# `make screenshots`: retake the README's pictures. Runs only the browser tests that write them (the panel in
# both themes, the settings panel and the dashboard, in JupyterLab), then copies into docs/screenshots/ exactly
# the images README.md references, from build/screenshots/; a picture no test wrote stops the copy.
SCREENSHOT_TESTS := wcag_aa or (slider and lab) or (dashboard_image and lab) or (approve_each_call and lab)
README_IMAGES = $(shell grep -o 'docs/screenshots/[A-Za-z0-9_-]*\.png' README.md | sort -u)
.PHONY: screenshots

screenshots: $(E2E_STAMP)
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	rm -f $(addprefix build/screenshots/,$(notdir $(README_IMAGES)))
	$(PY) -m pytest tests/browser -q -k "$(SCREENSHOT_TESTS)"
	mkdir -p docs/screenshots
	for image in $(README_IMAGES); do cp "build/screenshots/$$(basename $$image)" "$$image" || exit 1; done
