"""Tool calls in the panel: a row per call after the text that asked for it, replaced when the call ends."""

from __future__ import annotations

from claude_magic._planning import RequestOptions
from claude_magic.core.events import Started, TextDelta, ThinkingDelta, ToolFinished, ToolStarted
from claude_magic.core.tools import ToolCall
from claude_magic.core.transcript import Reply
from claude_magic.core.usage import Usage
from claude_magic.ui.panel import tool_row_html
from tests.ui.page import Page

HOSTILE = "<img src=x onerror=alert(1)>"


def text(chunk: str, so_far: str) -> TextDelta:
    return TextDelta(chunk, so_far, 0, so_far)


def loop_events(result: str = "12.5") -> list:
    call = ToolCall("toolu_1", "get_price", {"sku": "SKU-12"}, content=result, duration_s=0.01)
    return [
        Started("claude-opus-5-5", "msg_1", 10),
        ThinkingDelta("Check the price.", "Check the price."),
        text("Let me look ", "Let me look "),
        text("that up.", "Let me look that up."),
        ToolStarted("toolu_1", "get_price", {"sku": "SKU-12"}, "function"),
        ToolFinished(call),
        Started("claude-opus-5-5", "msg_2", 20),
        ThinkingDelta("Now answer.", "Now answer."),
        text("It costs ", "It costs "),
        text("12.5.", "It costs 12.5."),
    ]


def drive(make_panel, events) -> tuple:
    panel, handle = make_panel()
    for event in events:
        panel.consume(event)
    panel._redraw()
    return panel, handle, Page.replay(panel.widget.sent_ops)


def test_a_row_follows_the_text_that_asked_and_the_next_round_follows_the_row(make_panel):
    _, _, page = drive(make_panel, loop_events())
    assert len(page.body.done) == 2  # the first round's text, then the row
    assert "Let me look that up." in page.body.done[0]
    assert "data-tool='toolu_1'" in page.body.done[1] and "running" not in page.body.done[1]
    assert page.tail == "It costs 12.5."
    assert "Check the price." in page.thinking_text() and "Now answer." in page.thinking_text()


def test_the_row_is_replaced_in_place_not_repeated(make_panel):
    panel, _, page = drive(make_panel, loop_events())
    rows = [op for op in panel.widget.sent_ops if op[0] == "x"]
    assert len(rows) == 2 and "running" in rows[0][2] and "running" not in rows[1][2]
    assert sum("data-tool" in html for html in page.body.done) == 1


def test_the_settled_panel_keeps_text_row_and_text_in_order(make_panel):
    panel, handle, _ = drive(make_panel, loop_events())
    panel.finish(Reply("", "", (), Usage(), "end_turn", "claude-opus-5-5", "msg_2"))
    html = handle.updates[-1].html
    assert html.index("Let me look that up.") < html.index("get_price") < html.index("It costs 12.5.")


def test_hostile_tool_text_is_escaped_everywhere(make_panel):
    call = ToolCall("toolu_<b>", HOSTILE, {"q": HOSTILE}, content=HOSTILE, is_error=True)
    html = tool_row_html(call)
    assert "<img" not in html and "&lt;img" in html and "<b>" not in html
    assert "claude-tool-error" in html


def test_a_row_shows_size_duration_and_a_truncated_result():
    call = ToolCall("toolu_1", "read", {}, content="x" * 5000, duration_s=1.5)
    html = tool_row_html(call)
    assert "5,000 chars · ran 1.50 s" in html
    assert "x" * 300 not in html  # the preview is cut


def test_a_row_says_how_long_the_tool_ran_and_the_footer_splits_api_time_from_tool_time(make_panel, session, sim):
    import re
    import time

    from claude_magic._tool_loop import Loop, ToolSet, run_blocking
    from claude_magic.simulator import ScriptedReply
    from tests.test_tool_loop import PRICE, Recipe, asks, use

    def slow_price(sku: str) -> float:
        time.sleep(0.3)
        return 12.5

    sim.queue(asks(use("get_price", sku="SKU-12")))
    sim.queue(ScriptedReply(text="It costs 12.5."))
    toolset = ToolSet({"get_price": Recipe("get_price", slow_price, PRICE)})
    panel, handle = make_panel()
    prepared = session.prepare("What does SKU-12 cost?", RequestOptions(tools=toolset.definitions()))
    reply = run_blocking(Loop(session, toolset, panel.consume).run(prepared))
    panel.finish(reply)
    ran = reply.tool_calls[0].duration_s
    assert ran >= 0.3
    settled = handle.updates[-1].html
    assert f"4 chars · ran {ran:.2f} s" in settled, "the result '12.5' and the tool's own run time"
    footer = re.search(r"first token [\d.]+ s · API time ([\d.]+) s · tools ran ([\d.]+) s", panel.footer_html)
    assert footer, panel.footer_html
    assert footer.groups() == (f"{reply.duration_s:.2f}", f"{ran:.2f}"), "API time and tool time, each its own"


def test_a_reply_without_tools_has_no_tool_time_and_server_tools_add_none():
    from claude_magic.core.annotate import usage_lines

    server = ToolCall("srvtoolu_1", "web_search", {}, source="server", duration_s=0.0)
    for calls in ((), (server,)):
        reply = Reply("", "", (), Usage(), "end_turn", "m", "msg", ttft_s=0.1, duration_s=0.32, tool_calls=calls)
        line = usage_lines(reply)[1]
        assert line.endswith("first token 0.10 s · API time 0.32 s") and "ran" not in line
