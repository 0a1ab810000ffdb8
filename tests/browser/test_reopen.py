"""Save, restart the kernel, reload: every output the notebook keeps renders without the kernel.

A widget view whose model died with the kernel shows "Error displaying widget: model not found";
what a notebook keeps must be plain outputs: the settings panel's table, the dashboard's PNG.
JupyterLab 4 and Notebook 7, one Run All per frontend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .cells import LOAD
from .conftest import screenshot_path

if TYPE_CHECKING:
    from .conftest import OpenNotebook
    from .servers import JupyterServer

WIDGET = "application/vnd.jupyter.widget-view+json"
CELLS = [
    LOAD,
    "import claude_magic\nclaude_magic.settings_panel()",
    "%config ClaudeMagics.max_tokens = 1234",
    "%%claude\nfirst",
    "%claude dashboard",
    "%%claude\nsecond",
]


def _widget_views(nb) -> list[int]:
    """Indexes of cells whose saved outputs still hold a widget view."""
    return [i for i, cell in enumerate(nb.cells) for o in cell.get("outputs", []) if WIDGET in o.get("data", {})]


def _has_image_and_table(nb) -> bool:
    datas = [o.get("data", {}) for cell in nb.cells for o in cell.get("outputs", [])]
    table = any("claude-settings-table" in d.get("text/html", "") for d in datas)
    return table and any("image/png" in d for d in datas)


def test_save_restart_reload_shows_no_widget_error(server: JupyterServer, open_notebook: OpenNotebook) -> None:
    ui = open_notebook(server, CELLS)
    ui.run_all()
    ui.save(_has_image_and_table)
    saved = server.read_notebook(ui.name)
    assert _widget_views(saved) == [], "a saved output still holds a widget view"
    for session in server.api("GET", "api/sessions"):
        if session["path"].endswith(ui.name):
            server.api("POST", f"api/kernels/{session['kernel']['id']}/restart", timeout=60)
    ui.reload()
    notebook = ui.page.locator(".jp-Notebook")
    settings = ui.cell(1).locator(".jp-OutputArea-output table.claude-settings-table")
    settings.wait_for(state="visible")
    assert "1234" in settings.inner_text(), settings.inner_text()
    image = ui.cell(4).locator(".jp-OutputArea-output img")
    image.wait_for(state="visible")
    assert image.evaluate("img => img.naturalWidth") > 500
    ui.page.wait_for_timeout(2000)  # the widget manager reports a missing model after its restore
    text = notebook.inner_text()
    assert "Error displaying widget" not in text and "model not found" not in text.lower()
    suffix = "" if server.app == "lab" else "-notebook7"
    ui.cell(1).screenshot(path=screenshot_path(f"reopened-settings{suffix}"))
