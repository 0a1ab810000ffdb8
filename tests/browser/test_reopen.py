"""Save, restart the kernel, reload: every output the notebook keeps renders without the kernel.

A widget view whose model died with the kernel shows "Error displaying widget: model not found";
what a notebook keeps must be plain outputs: the settings panel's table, the dashboard's PNG.
JupyterLab 4 and Notebook 7, one Run All per frontend.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from .cells import LOAD
from .conftest import screenshot_path

if TYPE_CHECKING:
    from .conftest import OpenNotebook
    from .servers import JupyterServer

WIDGET = "application/vnd.jupyter.widget-view+json"
TOURS = Path(__file__).resolve().parents[2] / "notebooks"
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


NARROW = {"width": 800, "height": 1000}
LAYOUT_CELLS = [LOAD, "%%claude\nfirst", "%claude dashboard", "import claude_magic\nclaude_magic.settings_panel()"]
MIN_SCALE = 0.6  # the dashboard's text (7-9 pt at 100 dpi) reads at 60 % and up
FITS_JS = """
(output) => {
  const right = output.getBoundingClientRect().right + 1;
  const parts = [...output.querySelectorAll('.widget-slider, .widget-toggle-buttons, textarea, select, input')];
  return parts.filter((el) => el.getBoundingClientRect().right > right).map((el) => el.className || el.tagName);
}
"""


def test_settings_and_dashboard_read_at_800_px(server: JupyterServer, open_notebook: OpenNotebook) -> None:
    ui = open_notebook(server, LAYOUT_CELLS)
    ui.page.set_viewport_size(NARROW)
    if server.app == "lab":  # at 800 px a person closes Lab's file browser, which would leave the notebook 370 px
        ui.page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    ui.run_all()
    settings = ui.cell(3).locator(".jp-OutputArea-output").filter(has=ui.page.locator(".widget-slider"))
    settings.wait_for(state="visible")
    assert settings.evaluate(FITS_JS) == [], "a control runs past the output's right edge"
    thinking = settings.locator(".widget-toggle-buttons").first.locator("button")
    tops = {round(thinking.nth(i).bounding_box()["y"]) for i in range(thinking.count())}  # type: ignore[index]
    assert len(tops) == 1, f"the thinking toggles are stacked on {len(tops)} lines"
    image = ui.cell(2).locator(".jp-OutputArea-output img")
    image.wait_for(state="visible")
    shown, natural = image.evaluate("img => [img.getBoundingClientRect().width, img.naturalWidth]")
    assert shown >= MIN_SCALE * natural, f"the dashboard is drawn at {shown:.0f} of {natural} px"
    suffix = "" if server.app == "lab" else "-notebook7"
    settings.screenshot(path=screenshot_path(f"settings-800{suffix}"))
    image.screenshot(path=screenshot_path(f"dashboard-800{suffix}"))
    ui.page.screenshot(path=screenshot_path(f"page-800{suffix}"))


BATCH_TOUR = "07_batches_and_budgets.ipynb"
BATCH_CELL = 7  # `%claude batch reviews ...`: its bar's final state is what the notebook keeps


def test_the_batch_tour_reopens_with_its_final_batch_state(server: JupyterServer, page) -> None:
    from .notebook_ui import NotebookUI

    name = f"reopen-{server.app}-{BATCH_TOUR}"
    shutil.copy(TOURS / BATCH_TOUR, server.root / name)
    ui = NotebookUI(page, server, name)
    ui.open()
    try:
        ui.run_all()
        ui.save(lambda nb: "joined 8 rows" in _texts(nb.cells[BATCH_CELL]))
        assert _widget_views(server.read_notebook(name)) == [], "a saved output still holds a widget view"
        for session in server.api("GET", "api/sessions"):
            if session["path"].endswith(name):
                server.api("POST", f"api/kernels/{session['kernel']['id']}/restart", timeout=60)
        ui.reload()
        outputs = ui.cell(BATCH_CELL).locator(".jp-OutputArea")
        outputs.wait_for(state="visible")
        assert "joined 8 rows" in outputs.inner_text(), outputs.inner_text()
        ui.page.wait_for_timeout(2000)  # the widget manager reports a missing model after its restore
        text = ui.page.locator(".jp-Notebook").inner_text()
        assert "Error displaying widget" not in text and "model not found" not in text.lower()
    finally:
        server.shutdown_kernels()


def _texts(cell) -> str:
    return "".join(str(v) for o in cell.get("outputs", []) for v in o.get("data", {}).values()) + "".join(
        o.get("text", "") for o in cell.get("outputs", [])
    )
