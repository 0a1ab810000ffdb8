"""The settings panel and the usage dashboard in a real browser, in JupyterLab 4 and Notebook 7.

Settings both ways: moving the max_tokens slider in the page changes the next request the kernel's
simulator receives; `%config ClaudeMagics.max_tokens = …` moves the slider the page shows. The
dashboard: its PNG changes after another call, and its title keeps `$` amounts literal.
Cells run one at a time here (Ctrl+Enter), because the page is used between them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from .cells import LOAD
from .conftest import screenshot_path
from .notebook_ui import MATH

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from .conftest import OpenNotebook
    from .notebook_ui import NotebookUI
    from .servers import JupyterServer

SHOW_SETTINGS = "import claude_magic\nclaude_magic.settings_panel()"
SENT_MAX_TOKENS = (
    "print('max_tokens sent:', claude_magic.session().connection.simulator.requests[-1].body['max_tokens'])"
)
TYPED = 2048  # typed into the slider's readout; then its handle is dragged
DRAG_PX = 40  # right: on a 1..128,000 slider a few hundred pixels wide, some thousands of tokens more
CONFIGURED = 1234
# The panel is live until the next cell runs, so the kernel moves a slider shown by the same cell.
CONFIGURE_WHILE_SHOWN = (
    "from IPython.display import display\nimport time\n"
    "display(claude_magic.settings_panel())\ntime.sleep(1)\n"
    f"%config ClaudeMagics.max_tokens = {CONFIGURED}"
)
PNG_DIGEST_JS = """
async (img) => {
  const bytes = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
"""
LONG_SYSTEM = "%config ClaudeMagics.system = 'You answer questions about the quarterly sales data, briefly. ' * 90"
TITLE = (
    "fig = claude_magic.session().usage.plot()\n"
    "title = fig.texts[0]\n"
    "print('title:', title.get_text())\n"
    "print('parse_math:', title.get_parse_math(), 'usetex:', title.get_usetex())"
)


def slider(ui: NotebookUI, label: str) -> Locator:
    """The ipywidgets slider whose label is `label`."""
    name = ui.page.locator(".widget-label", has_text=re.compile(f"^{label}$"))
    return ui.page.locator(".widget-slider").filter(has=name)


def output_text(ui: NotebookUI, index: int) -> str:
    return ui.cell(index).locator(".jp-OutputArea").inner_text()


def test_max_tokens_slider_changes_the_next_request_and_config_moves_the_slider(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    cells = [LOAD, SHOW_SETTINGS, "%%claude\nhi", SENT_MAX_TOKENS, CONFIGURE_WHILE_SHOWN]
    ui = open_notebook(server, cells)
    ui.run_cell(0)
    ui.run_cell(1)
    max_tokens = slider(ui, "max_tokens")
    readout = max_tokens.locator(".widget-readout")
    expect(readout).to_have_text("4096")  # the default setting

    # The page to the kernel: type a value into the slider's readout, then nudge the handle with a key.
    readout.fill(str(TYPED))
    readout.press("Enter")
    expect(readout).to_have_text(str(TYPED))
    handle = max_tokens.locator(".noUi-handle")
    box = handle.bounding_box()
    assert box, "the slider's handle is not on screen"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    ui.page.mouse.move(x, y)
    ui.page.mouse.down()
    ui.page.mouse.move(x + DRAG_PX, y, steps=5)
    ui.page.mouse.up()
    expect(readout).not_to_have_text(str(TYPED))
    dragged = int(readout.inner_text().replace(",", ""))
    assert dragged > TYPED, f"dragging the handle right lowered max_tokens to {dragged}"
    ui.run_cell(2)
    ui.settled_panel()
    ui.run_cell(3)
    assert f"max_tokens sent: {dragged}" in output_text(ui, 3), output_text(ui, 3)
    # The next cell ran: the panel's output is now the table of what it held, no widget.
    assert f"{dragged}" in ui.cell(1).locator("table.claude-settings-table").inner_text()
    assert ui.cell(1).locator(".widget-slider").count() == 0

    # The kernel to the page: %config moves the slider of a live panel.
    ui.run_cell(4)
    expect(readout).to_have_text(str(CONFIGURED))
    assert handle.get_attribute("aria-valuenow") in (str(CONFIGURED), f"{CONFIGURED}.0"), "the handle did not move"
    suffix = "" if server.app == "lab" else "-notebook7"
    panel = ui.cell(4).locator(".jp-OutputArea-output").filter(has=max_tokens)
    panel.screenshot(path=screenshot_path(f"settings{suffix}"))
    ui.run_cell(2)
    ui.run_cell(3)
    assert f"max_tokens sent: {CONFIGURED}" in output_text(ui, 3), output_text(ui, 3)


def test_dashboard_image_changes_after_another_call_and_its_title_keeps_dollars(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    # A system prompt over the model's cache minimum, as a real session has: the second call reads it from the
    # cache, so the dashboard (and the README's picture of it) shows caching paying.
    load = f"{LOAD}\n{LONG_SYSTEM}"
    cells = [load, "%%claude\nfirst", "%claude dashboard", "%%claude\nsecond", f"import claude_magic\n{TITLE}"]
    ui = open_notebook(server, cells)
    for index in (0, 1, 2):
        ui.run_cell(index)
    image = ui.cell(2).locator(".jp-OutputArea-output img")
    image.wait_for(state="visible")
    before_src = image.get_attribute("src") or ""
    before = image.evaluate(PNG_DIGEST_JS)

    ui.run_cell(3)
    ui.page.wait_for_function("([img, src]) => img.src !== src", arg=[image.element_handle(), before_src])
    after = image.evaluate(PNG_DIGEST_JS)
    assert after != before, "the dashboard's image did not change after another call"
    assert image.evaluate("img => img.naturalWidth") > 500, "the dashboard image is not a drawn figure"

    ui.run_cell(4)
    shown = output_text(ui, 4)
    title = re.search(r"title: (.*)", shown)
    assert title, shown
    assert title.group(1).startswith("2 calls"), title.group(1)
    assert re.search(r"cost \$\d+\.\d+", title.group(1)), f"no literal $ amount in the title: {title.group(1)!r}"
    assert re.search(r"hit rate [1-9]\d*%", title.group(1)), f"nothing read from the cache: {title.group(1)!r}"
    assert "parse_math: False usetex: False" in shown, "matplotlib would read the title's $…$ as math"
    assert ui.cell(2).locator(MATH).count() == 0 and ui.cell(4).locator(MATH).count() == 0

    suffix = "" if server.app == "lab" else "-notebook7"
    image.screenshot(path=screenshot_path(f"dashboard{suffix}"))
