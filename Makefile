# Two commands matter: `make demo` and `make test`. Both need only python3 and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

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

lint: $(STAMP)
	$(VENV)/bin/ruff check claude_magic tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/load_ext.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# `make e2e`: the response panel in JupyterLab 4 and Notebook 7, driven in Debian's headless Chromium.
# Chromium comes from apt only when it is missing; the browser deps go into the same venv as `.[e2e]`.
E2E_STAMP := $(VENV)/.installed-e2e
.PHONY: e2e

$(E2E_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[e2e]"
	touch $(E2E_STAMP)

e2e: $(E2E_STAMP)
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	$(PY) -m pytest tests/browser -q
