"""The response panel's widget state after real event streams: header, thinking, body, citations, footer."""

from __future__ import annotations

import html
import re

from claude_magic.core.stream import StreamState, translate
from claude_magic.core.transcript import Reply
from claude_magic.core.usage import usage_from_api
from claude_magic.simulator import ScriptedReply
from claude_magic.ui.panel import TextStream
from claude_magic.ui.throttle import Throttle
from tests.ui.page import Page


def feed(panel, events):
    state = StreamState()
    for event in translate(events, state):
        panel.consume(event)
    return state


def reply_from(state: StreamState, **extra) -> Reply:
    fields = dict(
        text=state.text,
        thinking=state.thinking,
        citations=tuple(state.citations),
        usage=usage_from_api(state.usage),
        stop_reason=state.stop_reason,
        model=state.model,
        message_id=state.message_id,
    )
    return Reply(**{**fields, **extra})


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_panel_starts_waiting_and_is_displayed(make_panel):
    panel, handle = make_panel(model="claude-sonnet-5-5", chat="research")
    assert handle.shown is panel.widget
    assert panel.status == "waiting"
    header = panel.widget.header
    assert "claude-sonnet-5-5" in header and "research" in header and "waiting" in header


def test_text_stream_ends_done_with_the_whole_text_and_footer(make_panel, stream_events):
    panel, _ = make_panel()
    state = feed(panel, stream_events("text_only.sse"))
    assert panel.status == "writing"
    panel.finish(reply_from(state, cost_usd=0.0123, ttft_s=0.25, duration_s=1.5))
    assert panel.status == "done" and "<span class='claude-state' data-state='done'>done</span>" in panel.static_html()
    assert visible_text(panel.body.html(panel.marked)).strip() == state.text.strip()
    footer = panel.footer_html
    for fragment in ("$0.0123", "cache hit", "first token 0.25 s", "API time 1.50 s", "uncached"):
        assert fragment in footer, fragment
    assert "stop reason" not in footer


def test_thinking_streams_live_and_settles_into_a_collapsed_section(make_panel, stream_events):
    panel, handle = make_panel(live=False)
    events = list(translate(stream_events("thinking_citations.sse")))
    for event in events[:3]:  # Started and two thinking deltas
        panel.consume(event)
    assert panel.status == "thinking"
    panel._redraw()
    page = Page.replay(panel.widget.sent_ops)
    assert page.thinking_text() == "The user asks about grass. The document says it is green."
    assert panel.widget.note == ""
    for event in events[3:]:
        panel.consume(event)
    panel.finish(Reply("t", "x", (), usage_from_api({}), "end_turn", "m", "msg_01"))
    static = handle.updates[-1].html
    assert "<details class='claude-thinking' data-message='msg_01CITE'><summary>Thinking</summary>" in static
    assert "<details open" not in static, "collapsed until the user opens it"


def test_omitted_thinking_is_one_line_not_an_empty_box(make_panel, stream_events):
    panel, handle = make_panel()
    state = feed(panel, stream_events("omitted_thinking.sse"))
    panel.finish(reply_from(state))
    static = handle.updates[-1].html
    assert "claude-thinking" not in static
    assert "omitted" in static and "--show-thinking" in static


def test_citations_become_markers_after_their_block_and_footnotes(make_panel, stream_events):
    panel, _ = make_panel()
    state = feed(panel, stream_events("thinking_citations.sse"))
    panel.finish(reply_from(state))
    assert panel.marked == "According to the document, the grass is green.¹ Also, water is essential.²"
    notes = panel.static_html()
    assert "“The grass is green.” — Example Document, characters 1–20" in notes
    assert "“Water is essential for life.” — PDF Document, page 5" in notes
    assert "thinking 40" in panel.footer_html


def test_citations_from_the_simulator_land_after_the_cited_sentence(make_panel, session, sim):
    cite = {"type": "content_block_location", "cited_text": "Sky.", "document_index": 0}
    cite |= {"document_title": "Notes", "start_block_index": 2, "end_block_index": 4}
    sim.queue(ScriptedReply(text="First part. The sky is blue.", citations=(cite,)))
    panel, _ = make_panel()
    reply = session.ask("q", on_event=panel.consume)
    panel.finish(reply)
    assert panel.marked == "First part. The sky is blue.¹"
    assert "Notes, blocks 3–4" in panel.static_html()


def test_stop_reason_max_tokens_is_explained(make_panel, session, sim):
    sim.queue(ScriptedReply(text="cut off here", stop_reason="max_tokens"))
    panel, _ = make_panel()
    panel.finish(session.ask("q", on_event=panel.consume))
    assert "stop reason: max_tokens" in panel.footer_html and "raise --max-tokens" in panel.footer_html


def test_a_refusal_settles_as_refused_with_its_category_and_explanation(make_panel, session, sim):
    sim.queue(ScriptedReply.refusal("bio", "This could help make a pathogen."))
    panel, handle = make_panel()
    panel.finish(session.ask("q", on_event=panel.consume))
    assert panel.status == "refused"
    assert "declined to answer (bio: This could help make a pathogen.)" in panel.footer_html
    assert "refused" in handle.updates[-1].html


def test_a_tool_request_says_nothing_ran(make_panel, session, sim):
    asked = {"type": "tool_use", "id": "toolu_01X", "name": "get_price", "input": {}}
    sim.queue(ScriptedReply(content=(asked,), stop_reason="tool_use"))
    panel, _ = make_panel()
    tools = [{"name": "get_price", "input_schema": {"type": "object"}}]
    panel.finish(session.ask("q", extra_body={"tools": tools}, on_event=panel.consume))
    assert "enabled none, so nothing ran" in panel.footer_html


def test_search_fees_and_continued_calls_show_in_the_footer(make_panel, session, sim):
    search = {"type": "server_tool_use", "id": "srvtoolu_01A", "name": "web_search", "input": {"query": "q"}}
    sim.queue(ScriptedReply(content=(search,), stop_reason="pause_turn"))
    done = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01A", "content": []}
    searched = {"server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0}}
    sim.queue(ScriptedReply(content=(done, {"type": "text", "text": "Found it."}), usage=searched))
    panel, _ = make_panel()
    tools = [{"type": "web_search_20260209", "name": "web_search"}]
    panel.finish(session.ask("q", extra_body={"tools": tools}, on_event=panel.consume))
    assert "1 web search(es)" in panel.footer_html and "2 calls (a paused turn was continued)" in panel.footer_html
    assert panel.text == "Found it."


def test_unknown_model_cost_stays_unknown(make_panel, session, sim):
    panel, _ = make_panel(model="claude-nonesuch-1")
    panel.finish(session.ask("q", model="claude-nonesuch-1", on_event=panel.consume))
    assert "unknown · cache hit" in panel.footer_html and "$0.0000" not in panel.footer_html


def test_midstream_failure_keeps_partial_text_and_says_failed_once(make_panel, session, sim):
    from claude_magic.core.errors import StreamFailed

    sim.queue(ScriptedReply(text="partial words " * 40, fail_after_chars=120))
    panel, handle = make_panel()
    try:
        session.ask("q", on_event=panel.consume)
    except StreamFailed:
        panel.stop(session.last, "API error 529 (overloaded_error): Overloaded ...")
    assert panel.status == "failed", "the cell's error line says why; the header does not say it again"
    assert "partial words" in panel.body.html(panel.marked)
    assert "partial words" in handle.updates[-1].html and "data-state='failed'>failed</span>" in handle.updates[-1].html
    assert "Overloaded" not in handle.updates[-1].html


def test_interrupt_keeps_partial_text(make_panel, stream_events):
    panel, handle = make_panel()
    events = list(translate(stream_events("text_only.sse")))
    for event in events[:-1]:
        panel.consume(event)
    panel.stop(None, "interrupted")
    assert panel.status == "interrupted"
    assert events[-2].text.split()[0] in panel.body.html(panel.marked)
    assert "interrupted" in handle.updates[-1].html


def test_a_stale_complete_reply_does_not_become_the_failure_reason(make_panel, session, sim):
    old = session.ask("earlier question")
    panel, _ = make_panel()
    panel.stop(old, "failed")
    assert panel.status == "failed" and old.text not in panel.body.html(panel.marked)


def test_settled_panel_becomes_static_html_with_the_reply(make_panel, session, sim):
    sim.queue(ScriptedReply(text="Final **answer** with $5 and $6.", thinking="pondering"))
    panel, handle = make_panel()
    panel.carry({"claude_magic": {"version": 1, "calls": [], "cost_usd": 0.0}})
    panel.finish(session.ask("q", on_event=panel.consume))
    (static,) = handle.updates
    bundle, metadata = static._repr_mimebundle_()
    assert metadata == {"claude_magic": {"version": 1, "calls": [], "cost_usd": 0.0}}, "the provenance it carries"
    assert "Final <strong>answer</strong> with $5 and $6." in bundle["text/html"]
    assert "mathjax_ignore tex2jax_ignore" in bundle["text/html"], "MathJax 3 and 2 must skip the reply"
    assert "<summary>Thinking</summary>" in bundle["text/html"]
    assert "<style" not in bundle["text/html"], "the stylesheet is shown once per kernel, not per reply"
    assert bundle["text/plain"] == "claude-sonnet-5-5 · default · done"
    assert panel.widget.comm is None, "live widgets are closed once settled"


def stream_through(text_stream: TextStream, text: str, step: int) -> list:
    ops = []
    for end in range(step, len(text) + step, step):
        ops += text_stream.ops(text[:end])
    return ops


def test_finished_blocks_are_sent_once_as_html_and_the_tail_only_grows():
    stream = TextStream("r", "f", "s")
    text = "".join(f"Paragraph {n} " + "word " * 30 + "\n\n" for n in range(10)) + "Open tail"
    ops = stream_through(stream, text, 7)
    page = Page.replay(ops)
    assert visible_text(page.body_html()).split() == text.split()
    freezes = [op for op in ops if op[0] == "f"]
    assert len(freezes) == 10 and sum("Paragraph 3" in op[1] for op in freezes) == 1
    sent_text = sum(len(op[2]) for op in ops if op[0] == "r")
    assert sent_text <= len(text) * 1.05, "the tail's text goes out once, not on every redraw"


CODE = '''def load_{n}(path: str) -> dict:
    """Read config file number {n}."""
    with open(path, encoding="utf-8") as handle:  # the whole file
        return parse(handle.read()) or {{"name": "item-{n}"}}

'''


def test_a_long_code_block_is_never_resent():
    stream = TextStream("r", "f", "s")
    text = "Here:\n\n```python\n" + "".join(CODE.format(n=n) for n in range(300)) + "```\n\nDone."
    ops = stream_through(stream, text, 16)
    sent = sum(len(op[1]) if op[0] == "f" else len(op[2]) for op in ops)
    # The code goes out once as text while it streams and once as highlighted HTML when it closes.
    assert sent < 4 * len(text), f"{sent} characters sent for a {len(text)}-character reply"
    assert Page.replay(ops).body_html().count("<pre>") == 1


def test_code_fences_with_blank_lines_are_never_split():
    stream = TextStream("r", "f", "s")
    text = "Intro paragraph here.\n\n```python\nx = 1\n\n\ny = 2\n```\n\nAfter.\n\nMore"
    ops = stream_through(stream, text, 1)
    html = Page.replay(ops).body_html() + stream.html(text)[len("".join(stream.frozen_html)) :]
    assert "".join(stream.frozen_html).count("<pre>") == 1 and "x" in html and "y" in html


def test_citation_marks_that_move_are_replaced_not_duplicated():
    stream = TextStream("r", "f", "s")
    ops = stream.ops("The sky¹") + stream.ops("The sky is blue.¹")
    assert Page.replay(ops).tail == "The sky is blue.¹"


def test_throttle_always_flushes_the_final_state():
    now = [0.0]
    drawn: list[int] = []
    value = [0]
    throttle = Throttle(lambda: drawn.append(value[0]), interval_s=0.1, clock=lambda: now[0])
    for step in range(1, 51):
        value[0] = step
        now[0] += 0.001
        throttle.poke()
    assert drawn == [1], "50 changes within 50 ms draw once"
    throttle.flush()
    assert drawn == [1, 50]
    throttle.flush()
    assert drawn == [1, 50], "nothing new, nothing drawn"


def test_panel_final_state_shows_everything_even_when_throttled(make_panel, session, sim):
    sim.queue(ScriptedReply(text="alpha beta gamma " * 50 + "THE-END", chunk_chars=3))
    panel, _ = make_panel()
    reply = session.ask("q", on_event=panel.consume)
    assert panel._throttle.redraws < len(reply.text) // 3, "throttled"
    panel.finish(reply)
    assert "THE-END" in panel.body.html(panel.marked)


def test_a_tool_loops_rounds_are_not_called_paused_turns_in_the_footer():
    from dataclasses import replace

    from claude_magic.core.annotate import usage_lines
    from claude_magic.core.tools import SERVER, ToolCall

    base = Reply("ok", "", (), usage_from_api({"input_tokens": 1, "output_tokens": 1}), "end_turn", "m", "msg_1")
    looped = replace(base, rounds=2, tool_calls=(ToolCall("toolu_1", "get_price", {"sku": "SKU-12"}),))
    assert "2 calls (tool results were sent back)" in usage_lines(looped)[1]
    searched = replace(base, rounds=2, tool_calls=(ToolCall("srvtoolu_1", "web_search", {}, SERVER),))
    assert "2 calls (a paused turn was continued)" in usage_lines(searched)[1]


COMPACT_PROMPT = (
    "Describe the water cycle in detail, step by step. " * 40
)  # past 600 tokens by the simulator's estimate


def test_the_panel_notes_the_compaction(make_panel, session, sim):
    session.ask(COMPACT_PROMPT, compact_at=600)
    panel, _handle = make_panel(model="claude-sonnet-5-5")
    reply = session.ask("Go on.", compact_at=600, on_event=panel.consume)
    panel.finish(reply)
    assert "compacted:" in panel.footer_html and "summary" in panel.footer_html


JSON_REPLY = '{"city": "Paris", "rank": 1, "tags": ["a <b>", "x```y"]}'


def test_a_json_reply_settles_as_a_highlighted_code_block_not_prose(make_panel, session, sim):
    sim.queue(ScriptedReply(text=JSON_REPLY))
    panel, handle = make_panel(fmt="json")
    reply = session.ask("Give the city as JSON.", on_event=panel.consume)
    panel._redraw()
    live = Page.replay(panel.widget.sent_ops)
    assert live.body.done == [] and live.body.code and live.tail == JSON_REPLY, "one open code box while it streams"
    panel.finish(reply)
    body = re.search(r"<div class='claude-body'>(.*?)</div>", handle.updates[-1].html, re.S).group(1)
    assert body.startswith("<pre><code>") and "<p>" not in body
    assert '<span class="s">"Paris"</span>' in body.replace("&quot;", '"'), "highlighted as JSON"
    assert html.unescape(visible_text(body)).strip() == JSON_REPLY
    assert "<b>" not in body, "model text stays escaped inside the code block"


def test_a_markdown_reply_is_still_prose(make_panel, session, sim):
    sim.queue(ScriptedReply(text=JSON_REPLY))
    panel, handle = make_panel()
    panel.finish(session.ask("Give the city as JSON.", on_event=panel.consume))
    assert "<p>" in handle.updates[-1].html and "<pre>" not in handle.updates[-1].html


def test_a_reply_already_fenced_is_not_fenced_twice(make_panel, session, sim):
    sim.queue(ScriptedReply(text=f"```json\n{JSON_REPLY}\n```"))
    panel, handle = make_panel(fmt="json")
    panel.finish(session.ask("Give the city as JSON.", on_event=panel.consume))
    html = handle.updates[-1].html
    assert html.count("<pre>") == 1 and "```" not in visible_text(html).replace("x```y", "")


MARKDOWN = """## Results

The fit **converged** after *twelve* steps, using `fit()`:

```python
def fit(data):
    return sum(data) / len(data)  # the **mean**
```

That is **all**."""


def test_the_open_tail_never_shows_raw_emphasis_or_a_fence_line():
    stream = TextStream("r", "f", "s")
    code = MARKDOWN.split("```python\n")[1].split("\n```")[0]
    ops: list = []
    tails, code_boxes, strong = [], [], set()
    for end in range(1, len(MARKDOWN) + 1):  # one character at a time: every state the page can show
        ops += stream.ops(MARKDOWN[:end])
        page = Page.replay(ops)
        (code_boxes if page.body.code else tails).append(page.tail)
        strong.update(page.body.marked("strong"))
    assert not [tail for tail in tails if "**" in tail or "`" in tail or tail.lstrip().startswith("#")]
    assert code_boxes and all(code.startswith(box) for box in code_boxes), "the code box shows only the code"
    assert code in code_boxes, "code is shown exactly as written, its ** too"
    assert {"converged", "all"} <= strong


def test_the_tail_style_travels_only_when_it_changes():
    stream = TextStream("r", "f", "s")
    text = "Some **bold text that goes on " + "and on " * 200
    ops = stream_through(stream, text, 5)
    styles = [op for op in ops if op[0] == "s"]
    assert styles == [["s", False, [[5, None, "strong"]]]], "an open mark grows without being resent"


def test_the_header_state_is_a_coloured_kind_live_and_settled(make_panel, session, sim):
    panel, handle = make_panel()
    assert "<span class='claude-state' data-state='live'>waiting</span>" in panel.widget.header
    panel.note("retrying after 529, attempt 2 of 3")
    assert "data-state='live'>retrying after 529" in panel.widget.header
    sim.queue(ScriptedReply(text="partial words " * 40, fail_after_chars=120))
    try:
        session.ask("q", on_event=panel.consume)
    except Exception:
        panel.stop(session.last, "failed")
    settled = handle.updates[-1].html
    assert "data-state='failed'>failed</span>" in settled, "the state word (the cell's error line says why)"
    assert settled.startswith("<div class='claude-reply") and "' data-state='failed'>" in settled.split("<div", 2)[1]


def test_refused_and_interrupted_are_warnings_done_is_done():
    from claude_magic.ui.panel import state_kind

    assert [state_kind(s) for s in ("waiting", "thinking", "writing", "running get_price")] == ["live"] * 4
    assert [state_kind(s) for s in ("done", "refused", "interrupted", "failed: Overloaded")] == [
        "done",
        "warn",
        "warn",
        "failed",
    ]


def test_settled_thinking_is_wrapped_like_the_live_one(make_panel, session, sim):
    sim.queue(ScriptedReply(text="Answer.", thinking="Quiet **thoughts**"))
    panel, handle = make_panel()
    panel.finish(session.ask("q", on_event=panel.consume))
    assert "<summary>Thinking</summary><div class='claude-thought'><p>Quiet <strong>thoughts</strong></p>" in (
        handle.updates[-1].html
    )
