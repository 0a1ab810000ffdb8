"""`%%claude --agent` in a real browser: Approve, Approve the rest of this cell, and Deny reach the running cell.

The agent cell awaits each click in ipykernel's event loop, as a `--confirm` cell does (test_tools.py).
The simulator plays the agent (claude_magic/simulator/agent_plan.py): for "the total amount by city in
`orders`" it inspects `orders`, then sums `amount` by `city` into `orders_summary`, then answers with the
total it printed. Each call is a row: live while the cell runs, settled after, and after save and
reload; the code that ran is offered as a new cell below the agent cell. JupyterLab 4 and Notebook 7.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from .cells import LOAD, has_settled_panel
from .conftest import screenshot_path
from .notebook_ui import LIVE_PANEL, RUN_TIMEOUT_MS, SETTLED_PANEL

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from .conftest import OpenNotebook
    from .notebook_ui import NotebookUI
    from .servers import JupyterServer

ORDERS = 'import pandas as pd\norders = pd.DataFrame({"city": ["Oslo", "Oslo", "Rome"], "amount": [10.0, 30.0, 5.0]})'
AGENT = "%%claude --agent\nWhat is the total amount by city in `orders`?"
SHOW = "print('orders_summary:', globals().get('orders_summary', 'absent'))"
INSPECT = "print(orders.shape)"  # the first line of the simulated agent's first call
COMPUTE = "orders_summary = orders.groupby('city')['amount'].sum()"  # the first line of its second call
PROPOSED = "# The code %%claude --agent ran above, in order (2 calls)"
BOX = ".claude-approval:has(button)"  # the question with its buttons, while it waits
AGENT_ROW = "details.claude-tool.claude-agent"
APPROVED_BY_YOU = re.compile(r"^[\d,]+ chars · ran \d+\.\d\d s · approved by you$")
VERDICT_LINE = "div.claude-approval"  # an answered question leaves none: the row carries the verdict
WIDGET_ERROR = "Error displaying widget"
# Cells: 0 loads the extension, 1 makes the frame, 2 asks the agent, 3 shows what the agent left (4 once proposed).
AGENT_CELL = 2


def suffix(server: JupyterServer) -> str:
    return "" if server.app == "lab" else "-notebook7"


def start_the_agent(ui: NotebookUI) -> str:
    """Run the setup cells and start the agent cell; its prompt before, for `wait_cell_executed`."""
    ui.run_cell(0)
    ui.run_cell(1)
    return ui.start_cell(AGENT_CELL)


def waiting_box(ui: NotebookUI, first_line: str) -> Locator:
    """The approval box of the call whose code starts with `first_line`, while the cell still runs."""
    box = ui.cell(AGENT_CELL).locator(BOX)
    expect(box).to_have_count(1, timeout=RUN_TIMEOUT_MS)  # a busy machine takes its time for the first request
    expect(box.locator("pre.claude-agent-code")).to_contain_text(first_line)
    for name in ("Approve", "Approve the rest of this cell", "Deny"):
        expect(button(box, name)).to_be_visible()
    expect(ui.cell(AGENT_CELL).locator(".jp-InputPrompt")).to_have_text(re.compile(r"^\[\*\]:$"))
    expect(ui.cell(AGENT_CELL).locator(f"{LIVE_PANEL} .claude-header")).to_contain_text("waiting for your approval")
    expect(ui.page.get_by_text(WIDGET_ERROR)).to_have_count(0)
    return box


def button(box: Locator, name: str) -> Locator:
    """The button labelled `name` (its icon may add a glyph before the label)."""
    return box.get_by_role("button", name=re.compile(rf"(^|\W){re.escape(name)}$"))


def click(box: Locator, name: str) -> None:
    button(box, name).click()


def settled_rows(ui: NotebookUI, count: int) -> Locator:
    rows = ui.cell(AGENT_CELL).locator(f"{SETTLED_PANEL} {AGENT_ROW}")
    expect(rows).to_have_count(count)
    return rows


def assert_row(row: Locator, first_line: str, state: str | re.Pattern[str], output: str) -> None:
    """A collapsed python row with the code's first line and its state; a click shows the code and the output."""
    expect(row.locator(".claude-tool-name")).to_have_text("python")
    expect(row.locator("summary code")).to_contain_text(first_line)
    expect(row.locator(".claude-tool-state")).to_have_text(state)
    assert row.evaluate("el => el.open") is False, "the row is open before any click"
    row.locator("summary").click()
    expect(row).to_have_attribute("open", "")
    expect(row.locator("pre").first).to_contain_text(first_line)
    expect(row.locator("pre").last).to_contain_text(output)
    row.locator("summary").click()


def assert_both_rows_approved(ui: NotebookUI) -> list[str]:
    """The settled panel: two approved rows (inspect, then compute), the answer quoting the total; their ids."""
    rows = settled_rows(ui, 2)
    assert_row(rows.nth(0), INSPECT, APPROVED_BY_YOU, "(3, 2)")
    assert_row(rows.nth(1), COMPUTE, APPROVED_BY_YOU, "sum: 45.0")
    panel = ui.cell(AGENT_CELL).locator(SETTLED_PANEL)
    assert ui.header_status(panel) == "done"
    expect(panel.locator(".claude-body")).to_contain_text("45.0")
    return [str(rows.nth(n).get_attribute("data-tool")) for n in range(2)]


def assert_proposed_cell_below(ui: NotebookUI) -> None:
    """The cell below the agent's holds the code that ran; the check cell moved down and sees the agent's variable."""
    editor = ui.cell(AGENT_CELL + 1).locator(".jp-InputArea-editor")
    expect(editor).to_contain_text(PROPOSED)
    expect(editor).to_contain_text(INSPECT)
    expect(editor).to_contain_text(COMPUTE)
    ui.run_cell(AGENT_CELL + 2)
    expect(ui.cell(AGENT_CELL + 2).locator(".jp-OutputArea")).to_contain_text("Oslo    40.0")


def test_approve_each_call_shows_live_rows_then_settled_rows_and_the_proposed_cell_after_reload(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    ui = open_notebook(server, [LOAD, ORDERS, AGENT, SHOW])
    before = start_the_agent(ui)
    box = waiting_box(ui, INSPECT)
    expect(ui.cell(AGENT_CELL).locator(f"{LIVE_PANEL} {AGENT_ROW}")).to_have_count(0)
    ui.cell(AGENT_CELL).screenshot(path=screenshot_path(f"agent-approval{suffix(server)}"))
    click(box, "Approve")

    # The first call ran while the cell goes on: its row is live, and the second call waits for its own answer.
    box = waiting_box(ui, COMPUTE)
    live = ui.cell(AGENT_CELL).locator(f"{LIVE_PANEL} {AGENT_ROW}")
    expect(live).to_have_count(1)
    expect(live.locator(".claude-tool-state")).to_have_text(APPROVED_BY_YOU)
    click(box, "Approve")

    ui.wait_cell_executed(AGENT_CELL, before)
    expect(ui.page.locator(BOX)).to_have_count(0)
    assert ui.cell(AGENT_CELL).locator(LIVE_PANEL).count() == 0, "the live panel was not replaced"
    expect(ui.cell(AGENT_CELL).locator(VERDICT_LINE)).to_have_count(0)
    ids = assert_both_rows_approved(ui)
    ui.cell(AGENT_CELL).locator(SETTLED_PANEL).screenshot(path=screenshot_path(f"agent-rows{suffix(server)}"))
    assert_proposed_cell_below(ui)

    ui.save(has_settled_panel)
    ui.reload()
    assert assert_both_rows_approved(ui) == ids, "the reloaded rows are other calls'"
    expect(ui.cell(AGENT_CELL + 1).locator(".jp-InputArea-editor")).to_contain_text(PROPOSED)
    expect(ui.page.get_by_text(WIDGET_ERROR)).to_have_count(0)


def test_approve_the_rest_runs_every_later_call_of_the_cell_without_asking(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    ui = open_notebook(server, [LOAD, ORDERS, AGENT, SHOW])
    before = start_the_agent(ui)
    click(waiting_box(ui, INSPECT), "Approve the rest of this cell")

    ui.wait_cell_executed(AGENT_CELL, before)
    expect(ui.cell(AGENT_CELL).locator(VERDICT_LINE)).to_have_count(0)
    assert_both_rows_approved(ui)
    assert_proposed_cell_below(ui)


def test_deny_runs_nothing_says_so_in_the_row_and_proposes_no_cell(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    ui = open_notebook(server, [LOAD, ORDERS, AGENT, SHOW])
    before = start_the_agent(ui)
    click(waiting_box(ui, INSPECT), "Deny")

    ui.wait_cell_executed(AGENT_CELL, before)
    expect(ui.cell(AGENT_CELL).locator(VERDICT_LINE)).to_have_count(0)
    row = settled_rows(ui, 1).first
    expect(row).to_have_class(re.compile(r"\bclaude-tool-error\b"))
    assert_row(row, INSPECT, "denied by you", "The user denied this tool call; it did not run.")
    panel = ui.cell(AGENT_CELL).locator(SETTLED_PANEL)
    expect(panel.locator(".claude-body")).to_contain_text("not run")
    assert "(3, 2)" not in ui.cell(AGENT_CELL).locator(".jp-OutputArea").inner_text(), "the denied code printed"

    # No proposed cell: the next cell is still the check, and the agent defined nothing.
    expect(ui.cell(AGENT_CELL + 1).locator(".jp-InputArea-editor")).to_contain_text("orders_summary:")
    ui.run_cell(AGENT_CELL + 1)
    expect(ui.cell(AGENT_CELL + 1).locator(".jp-OutputArea")).to_contain_text("orders_summary: absent")

    ui.save(has_settled_panel)
    ui.reload()
    assert_row(settled_rows(ui, 1).first, INSPECT, "denied by you", "it did not run")
