"""No widget manager (offline VS Code, Colab): the reply streams through plain outputs and survives a reopen.

The server leaves out the widget manager and anywidget (page_config.json), so no widget view is
ever drawn: after a second the kernel streams through display outputs every frontend shows. The
page is sampled while the cell runs: the reply must grow through at least 3 states, end whole,
and after save, kernel restart and reload, the notebook shows the settled reply and no widget error.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .cells import LOAD, has_settled_panel, queue
from .conftest import screenshot_path
from .notebook_ui import SETTLED_PANEL

if TYPE_CHECKING:
    from .conftest import OpenNotebook
    from .servers import JupyterServer

WORDS = [f"word{i:03d}" for i in range(160)]
REPLY = " ".join(WORDS)
REPLY_CELL = 2
SAMPLE_S = 0.15
LIVE_STATES = 3
# Only outputs every frontend draws: a widget view's text would not count as plain streaming.
PLAIN_OUTPUTS = '.jp-OutputArea-output[data-mime-type="text/html"]'
WIDGET_OUTPUTS = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]'


def _sample_while_running(ui, index: int, timeout_s: float = 90.0) -> list[str]:
    """Distinct texts of cell `index`'s outputs, sampled until its prompt shows an execution count."""
    prompt = ui.cell(index).locator(".jp-InputPrompt")
    outputs = ui.cell(index).locator(PLAIN_OUTPUTS)
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = "\n".join(outputs.all_inner_texts())
        if not seen or seen[-1] != text:
            seen.append(text)
        if prompt.inner_text().strip() not in ("[*]:", "[ ]:", ""):
            return seen
        time.sleep(SAMPLE_S)  # sampling the page: nothing to subscribe to from here
    raise AssertionError(f"cell {index} still running after {timeout_s} s")


def test_reply_streams_live_in_plain_outputs_and_reopens_without_widget_errors(
    widgetless_server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    server = widgetless_server
    cells = [LOAD, queue(text=REPLY, chunk_chars=12, delay_s=0.03), "%%claude\nCount for me"]
    ui = open_notebook(server, cells)
    ui.run_cell(0)
    ui.run_cell(1)
    ui.start_cell(REPLY_CELL)
    seen = _sample_while_running(ui, REPLY_CELL)
    growing = [text for text in seen if "word000" in text and WORDS[-1] not in text]
    assert len(growing) >= LIVE_STATES, f"the reply showed in {len(growing)} partial states: {[t[-60:] for t in seen]}"
    assert len({text.count("word") for text in growing}) >= LIVE_STATES, "the partial states did not grow"
    ui.wait_kernel_idle()
    assert ui.page.locator(WIDGET_OUTPUTS).count() == 0, "a widget view was drawn: the manager is not disabled"
    panel = ui.cell(REPLY_CELL).locator(SETTLED_PANEL)
    panel.wait_for(state="visible")
    assert WORDS[-1] in panel.inner_text() and ui.header_status(panel) == "done"

    ui.save(has_settled_panel)
    for session in server.api("GET", "api/sessions"):
        if session["path"].endswith(ui.name):
            server.api("POST", f"api/kernels/{session['kernel']['id']}/restart", timeout=60)
    ui.reload()
    panel = ui.cell(REPLY_CELL).locator(SETTLED_PANEL)
    panel.wait_for(state="visible")
    assert WORDS[-1] in panel.inner_text()
    text = ui.page.locator(".jp-Notebook").inner_text()
    assert "Error displaying widget" not in text and "model not found" not in text.lower()
    suffix = "" if server.app == "lab" else "-notebook7"
    ui.cell(REPLY_CELL).screenshot(path=screenshot_path(f"no-widgets-reply{suffix}"))
