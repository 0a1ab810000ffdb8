"""Browser tests: the `%%claude` panel as a person sees it, in JupyterLab 4 and Notebook 7 in headless Chromium.

How to run: `make e2e` (installs Debian's chromium if /usr/bin/chromium is missing and `.[e2e]` into
.venv, then runs `pytest tests/browser -q`). One test: `.venv/bin/pytest tests/browser -q -k dark`.
These tests are collected only when tests/browser (or a file in it) is named on the command line,
so a plain `pytest` / `make test` never imports Playwright or starts a server.

What is here:
- `servers.py` starts a real `jupyter lab` / `jupyter notebook` (127.0.0.1, free port, token, temporary
  root and Jupyter dirs, `CLAUDE_MAGIC_SIMULATE=1`, no `ANTHROPIC_*`) and stops it, kernels first;
- `notebook_ui.py` opens a notebook in a page, runs all cells from the Run menu, waits for idle,
  saves with Ctrl+S, reloads, and reads the panel back from the DOM (text, status, contrast);
- the fixtures below: one Lab and one Notebook 7 server per session, one Chromium per session
  (Debian's, never Playwright's download) with a fresh profile, and a fresh context per test.
Tests that hold in both frontends take `server` (JupyterLab 4, then Notebook 7); `cells.py` has the
cell sources they share. Screenshots go to build/screenshots/: panel-light/panel-dark (a reply with
every part, from the contrast tests), settings and dashboard (from test_controls.py), tools-approval
tools-rows (from test_tools.py), settings-800, dashboard-800, page-800 and reopened-settings
(test_reopen.py), no-widgets-reply (test_no_widgets.py), and failed-<test>.png for a failing test.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.named_only import collected_only_when_named

from .servers import App, JupyterServer, start_server

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Browser, Page, Playwright

    from .notebook_ui import NotebookUI

    OpenNotebook = Callable[[JupyterServer, Sequence[str | tuple[str, str]]], NotebookUI]

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"
THEMES = "@jupyterlab/apputils-extension:themes"
NOTIFICATIONS = "@jupyterlab/apputils-extension:notification"
PAGE_TIMEOUT_MS = 60_000


# Collected only when a command-line path points into tests/browser.
pytest_ignore_collect = collected_only_when_named(HERE)


WIDGET_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "anywidget")


def _start(app: App, tmp_path_factory: pytest.TempPathFactory, disabled: Sequence[str] = ()) -> Iterator[JupyterServer]:
    server = start_server(app, tmp_path_factory.mktemp(f"jupyter-{app}"), disabled)
    try:
        # No "fetch Jupyter news?" toast over the notebook, and no calls out for it.
        server.set_lab_setting(NOTIFICATIONS, {"fetchNews": "false", "checkForUpdates": False})
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """A real JupyterLab 4 server for the whole session."""
    yield from _start("lab", tmp_path_factory)


@pytest.fixture(scope="session")
def notebook_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """A real Jupyter Notebook 7 server for the whole session."""
    yield from _start("notebook", tmp_path_factory)


@pytest.fixture(params=["lab", "notebook7"])
def server(request: pytest.FixtureRequest) -> JupyterServer:
    """Each frontend in turn: JupyterLab 4, then Notebook 7 (for tests that hold in both)."""
    found: JupyterServer = request.getfixturevalue("lab_server" if request.param == "lab" else "notebook_server")
    return found


@pytest.fixture(scope="session", params=["lab", "notebook7"])
def widgetless_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[JupyterServer]:
    """Each frontend with the widget manager and anywidget disabled (standing in for offline VS Code and Colab)."""
    app: App = "lab" if request.param == "lab" else "notebook"
    yield from _start(app, tmp_path_factory, WIDGET_EXTENSIONS)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, with a fresh temporary profile (Playwright's default)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs it (apt-get install -y chromium)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def new_page(browser: Browser) -> Page:
    """A page in a fresh context (no cookies, no storage), sized like a laptop screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item, so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page per test; a failing test leaves build/screenshots/failed-<test>.png behind."""
    page = new_page(browser)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        page.screenshot(path=screenshot_path("failed-" + request.node.name.replace("[", "-").replace("]", "")))
    page.context.close()


@pytest.fixture
def open_notebook(page: Page, request: pytest.FixtureRequest) -> Iterator[OpenNotebook]:
    """`open_notebook(server, cells)` writes a notebook named after the test, opens it and returns its UI."""
    opened: list[NotebookUI] = []

    def open_(server: JupyterServer, cells: Sequence[str | tuple[str, str]]) -> NotebookUI:
        from .notebook_ui import NotebookUI

        name = f"{request.node.name.replace('[', '-').replace(']', '')}.ipynb"
        server.write_notebook(name, cells)
        ui = NotebookUI(page, server, name)
        ui.open()
        opened.append(ui)
        return ui

    yield open_
    for ui in opened:  # each test's kernel goes away with its test, not at the end of the session
        ui.server.shutdown_kernels()


def screenshot_path(name: str) -> Path:
    """build/screenshots/<name>.png, creating the folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
