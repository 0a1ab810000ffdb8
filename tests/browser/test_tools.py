"""Tools in a real browser: `--confirm`'s Approve / Deny buttons reach a running cell, and tool rows show.

A busy kernel does not handle widget messages, so a `%%claude --confirm` cell is rewritten into an
awaited call (claude_magic/ipython/transform.py) and waits for the click in ipykernel's event loop.
These tests click the buttons in JupyterLab 4 and Notebook 7 while the cell is still running: the
click arriving (the cell finishing, the function having run or not) is the proof that the kernel
is not blocked for widgets. Replies come from the simulator, which calls `get_price` because the
prompt names it, with `sku` taken from the prompt's `sku=SKU-12`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from .cells import CONFIRMED_PRICE, LOAD, PRICE_TOOL, SHOW_CALLS, has_settled_panel
from .conftest import screenshot_path
from .notebook_ui import LIVE_PANEL, SETTLED_PANEL

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from .conftest import OpenNotebook
    from .notebook_ui import NotebookUI
    from .servers import JupyterServer

CALL = 'get_price({"sku": "SKU-12"})'
ARGUMENTS = '{"sku": "SKU-12"}'
APPROVAL = ".claude-approval"
WIDGET_ERROR = "Error displaying widget"
# Cells of every notebook here: 0 loads the extension, 1 defines the tool, 2 asks with --confirm, 3 shows the calls.
TOOL_CELL, CALLS_CELL = 2, 3


def output_text(ui: NotebookUI, index: int) -> str:
    return ui.cell(index).locator(".jp-OutputArea").inner_text()


def suffix(server: JupyterServer) -> str:
    return "" if server.app == "lab" else "-notebook7"


def ask_and_wait_for_the_buttons(ui: NotebookUI) -> tuple[str, Locator]:
    """Run the setup cells, start the --confirm cell, and return (its prompt before, its approval box) once
    the box waits with the exact call while the cell is still running."""
    ui.run_cell(0)
    ui.run_cell(1)
    before = ui.start_cell(TOOL_CELL)
    box = ui.cell(TOOL_CELL).locator(f".widget-hbox{APPROVAL}")
    expect(box).to_be_visible(timeout=30_000)  # the first call of a fresh kernel: the SDK's import, then a round
    expect(box.locator("code")).to_have_text(CALL)
    expect(box.get_by_role("button", name="Approve")).to_be_visible()
    expect(box.get_by_role("button", name="Deny")).to_be_visible()

    # The cell is still running: its prompt says so. (The toolbar's kernel indicator is no witness: ipykernel
    # publishes busy/idle around every comm message it handles, so it, and the server's execution_state, read
    # idle while the cell awaits.)
    prompt = ui.cell(TOOL_CELL).locator(".jp-InputPrompt")
    expect(prompt).to_have_text(re.compile(r"^\[\*\]:$"))
    # The live panel shows the text that asked, and no row yet: nothing runs before the answer.
    expect(ui.cell(TOOL_CELL).locator(LIVE_PANEL)).to_contain_text("get_price")
    expect(ui.cell(TOOL_CELL).locator(f"{LIVE_PANEL} .claude-header")).to_contain_text("waiting for your approval")
    expect(ui.cell(TOOL_CELL).locator(f"{LIVE_PANEL} details.claude-tool")).to_have_count(0)
    expect(ui.page.get_by_text(WIDGET_ERROR)).to_have_count(0)
    return before, box


def settled_row(ui: NotebookUI, index: int = TOOL_CELL) -> Locator:
    """The one tool row of the settled panel of cell `index`."""
    rows = ui.cell(index).locator(f"{SETTLED_PANEL} details.claude-tool")
    expect(rows).to_have_count(1)
    return rows.first


def assert_row(row: Locator, state: str | re.Pattern[str], result: str) -> None:
    """A collapsed row naming get_price and its arguments; a click opens it on the arguments and the result."""
    expect(row.locator(".claude-tool-name")).to_have_text("get_price")
    expect(row.locator("summary code")).to_have_text(ARGUMENTS)
    expect(row.locator(".claude-tool-state")).to_have_text(state)
    assert row.get_attribute("data-tool"), "the row carries no tool id"
    assert row.evaluate("el => el.open") is False, "the row is open before any click"
    parts = row.locator("pre")
    expect(parts.first).not_to_be_visible()
    row.locator("summary").click()
    expect(row).to_have_attribute("open", "")
    expect(parts).to_have_count(2)
    expect(parts.nth(0)).to_be_visible()
    expect(parts.nth(0)).to_have_text(ARGUMENTS)
    expect(parts.nth(1)).to_be_visible()
    expect(parts.nth(1)).to_have_text(result)


def test_approve_runs_the_tool_once_and_its_row_shows_arguments_and_result_after_reload(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    ui = open_notebook(server, [LOAD, PRICE_TOOL, CONFIRMED_PRICE, SHOW_CALLS])
    before, box = ask_and_wait_for_the_buttons(ui)
    ui.cell(TOOL_CELL).screenshot(path=screenshot_path(f"tools-approval{suffix(server)}"))

    # The click reaches the running cell: the proof that the kernel is not blocked for widgets.
    box.get_by_role("button", name="Approve").click()
    ui.wait_cell_executed(TOOL_CELL, before)
    expect(ui.cell(TOOL_CELL).locator(APPROVAL)).to_have_count(0)  # the row says the verdict
    expect(ui.page.locator(f".widget-hbox{APPROVAL}")).to_have_count(0)
    expect(ui.page.get_by_text(WIDGET_ERROR)).to_have_count(0)

    panel = ui.cell(TOOL_CELL).locator(SETTLED_PANEL)
    expect(panel).to_have_count(1)
    assert ui.header_status(panel) == "done"
    assert ui.cell(TOOL_CELL).locator(LIVE_PANEL).count() == 0, "the live panel was not replaced"
    row = settled_row(ui)
    tool_id = row.get_attribute("data-tool")
    assert_row(row, re.compile(r"^4 chars · ran \d+\.\d\d s · approved by you$"), "12.5")
    assert "12.5" in panel.locator(".claude-body").inner_text(), "the reply does not use the tool's result"
    expect(panel.locator(".claude-footer")).to_contain_text("2 calls (tool results were sent back)")
    panel.screenshot(path=screenshot_path(f"tools-rows{suffix(server)}"))

    ui.run_cell(CALLS_CELL)
    assert output_text(ui, CALLS_CELL).strip() == "calls: 1 ['SKU-12']", output_text(ui, CALLS_CELL)

    # Saved and reloaded: no kernel behind the page's outputs, the settled panel keeps its row.
    ui.save(has_settled_panel)
    ui.reload()
    row = settled_row(ui)
    assert row.get_attribute("data-tool") == tool_id, "the reloaded row is another call's"
    assert_row(row, re.compile(r"^4 chars · ran \d+\.\d\d s · approved by you$"), "12.5")
    expect(ui.cell(TOOL_CELL).locator(APPROVAL)).to_have_count(0)  # the row says the verdict
    expect(ui.page.get_by_text(WIDGET_ERROR)).to_have_count(0)


def test_deny_never_calls_the_tool_the_row_says_denied_and_the_chat_goes_on(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    ui = open_notebook(server, [LOAD, PRICE_TOOL, CONFIRMED_PRICE, SHOW_CALLS, "%%claude\nAre you still there?"])
    before, box = ask_and_wait_for_the_buttons(ui)

    box.get_by_role("button", name="Deny").click()
    ui.wait_cell_executed(TOOL_CELL, before)
    expect(ui.cell(TOOL_CELL).locator(APPROVAL)).to_have_count(0)  # the row says the verdict
    expect(ui.page.get_by_text(WIDGET_ERROR)).to_have_count(0)

    panel = ui.cell(TOOL_CELL).locator(SETTLED_PANEL)
    expect(panel).to_have_count(1)
    assert ui.header_status(panel) == "done"
    row = settled_row(ui)
    expect(row).to_have_class(re.compile(r"\bclaude-tool-error\b"))
    assert_row(row, "denied by you", "The user denied this tool call; it did not run.")

    ui.run_cell(CALLS_CELL)
    assert output_text(ui, CALLS_CELL).strip() == "calls: 0 []", output_text(ui, CALLS_CELL)

    # The next plain cell continues the same chat (the strict simulator rejects a broken one).
    ui.run_cell(4)
    after = ui.cell(4).locator(SETTLED_PANEL)
    expect(after).to_have_count(1)
    assert ui.header_status(after) == "done", after.inner_text()
    assert "Are you still there?" in after.inner_text()
