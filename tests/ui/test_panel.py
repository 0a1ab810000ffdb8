"""The response panel's widget state after real event streams: header, thinking, body, citations, footer."""

from __future__ import annotations

import re

from claude_magic.core.stream import StreamState, translate
from claude_magic.core.transcript import Reply
from claude_magic.core.usage import usage_from_api
from claude_magic.simulator import ScriptedReply
from claude_magic.ui.panel import MarkdownStream
from claude_magic.ui.throttle import Throttle


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
    assert "claude-sonnet-5-5" in panel.header.value and "research" in panel.header.value
    assert "waiting" in panel.header.value


def test_text_stream_ends_done_with_the_whole_text_and_footer(make_panel, stream_events):
    panel, _ = make_panel()
    state = feed(panel, stream_events("text_only.sse"))
    assert panel.status == "writing"
    panel.finish(reply_from(state, cost_usd=0.0123, ttft_s=0.25, duration_s=1.5))
    assert panel.status == "done" and "done" in panel.header.value
    assert visible_text(panel.body.html()).strip() == state.text.strip()
    footer = panel.footer.value
    for fragment in ("$0.0123", "cache hit", "first token 0.25 s", "total 1.50 s", "uncached"):
        assert fragment in footer, fragment
    assert "stop reason" not in footer


def test_thinking_streams_into_a_collapsed_accordion(make_panel, stream_events):
    panel, _ = make_panel(live=False)
    events = list(translate(stream_events("thinking_citations.sse")))
    for event in events[:3]:  # Started and two thinking deltas
        panel.consume(event)
    assert panel.status == "thinking"
    panel._redraw()
    assert panel.thinking_box.selected_index is None, "collapsed"
    assert panel.thinking_box.layout.display is None, "visible once thinking arrives"
    assert "The document says it is green." in panel.thinking_stream.html()
    assert panel.thinking_note.value == ""


def test_omitted_thinking_is_one_line_not_an_empty_box(make_panel, stream_events):
    panel, _ = make_panel()
    state = feed(panel, stream_events("omitted_thinking.sse"))
    panel.finish(reply_from(state))
    assert panel.thinking_box.layout.display == "none"
    assert "omitted" in panel.thinking_note.value and "--show-thinking" in panel.thinking_note.value


def test_citations_become_markers_after_their_block_and_footnotes(make_panel, stream_events):
    panel, _ = make_panel()
    state = feed(panel, stream_events("thinking_citations.sse"))
    panel.finish(reply_from(state))
    assert panel.marked == "According to the document, the grass is green.¹ Also, water is essential.²"
    notes = panel.footnotes.value
    assert "“The grass is green.” — Example Document, characters 1–20" in notes
    assert "“Water is essential for life.” — PDF Document, page 5" in notes
    assert "thinking 40" in panel.footer.value


def test_citations_from_the_simulator_land_after_the_cited_sentence(make_panel, session, sim):
    cite = {"type": "content_block_location", "cited_text": "Sky.", "document_index": 0}
    cite |= {"document_title": "Notes", "start_block_index": 2, "end_block_index": 4}
    sim.queue(ScriptedReply(text="First part. The sky is blue.", citations=(cite,)))
    panel, _ = make_panel()
    reply = session.ask("q", on_event=panel.consume)
    panel.finish(reply)
    assert panel.marked == "First part. The sky is blue.¹"
    assert "Notes, blocks 3–4" in panel.footnotes.value


def test_stop_reason_max_tokens_is_explained(make_panel, session, sim):
    sim.queue(ScriptedReply(text="cut off here", stop_reason="max_tokens"))
    panel, _ = make_panel()
    panel.finish(session.ask("q", on_event=panel.consume))
    assert "stop reason: max_tokens" in panel.footer.value and "raise --max-tokens" in panel.footer.value


def test_a_refusal_settles_as_refused_with_its_category_and_explanation(make_panel, session, sim):
    sim.queue(ScriptedReply.refusal("bio", "This could help make a pathogen."))
    panel, handle = make_panel()
    panel.finish(session.ask("q", on_event=panel.consume))
    assert panel.status == "refused"
    assert "declined to answer (bio: This could help make a pathogen.)" in panel.footer.value
    assert "refused" in handle.updates[-1].html


def test_a_tool_request_says_nothing_ran(make_panel, session, sim):
    asked = {"type": "tool_use", "id": "toolu_01X", "name": "get_price", "input": {}}
    sim.queue(ScriptedReply(content=(asked,), stop_reason="tool_use"))
    panel, _ = make_panel()
    tools = [{"name": "get_price", "input_schema": {"type": "object"}}]
    panel.finish(session.ask("q", extra_body={"tools": tools}, on_event=panel.consume))
    assert "enabled none, so nothing ran" in panel.footer.value


def test_search_fees_and_continued_calls_show_in_the_footer(make_panel, session, sim):
    search = {"type": "server_tool_use", "id": "srvtoolu_01A", "name": "web_search", "input": {"query": "q"}}
    sim.queue(ScriptedReply(content=(search,), stop_reason="pause_turn"))
    done = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01A", "content": []}
    searched = {"server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0}}
    sim.queue(ScriptedReply(content=(done, {"type": "text", "text": "Found it."}), usage=searched))
    panel, _ = make_panel()
    tools = [{"type": "web_search_20260209", "name": "web_search"}]
    panel.finish(session.ask("q", extra_body={"tools": tools}, on_event=panel.consume))
    assert "1 web search(es)" in panel.footer.value and "2 calls (a paused turn was continued)" in panel.footer.value
    assert panel.text == "Found it."


def test_unknown_model_cost_stays_unknown(make_panel, session, sim):
    panel, _ = make_panel(model="claude-nonesuch-1")
    panel.finish(session.ask("q", model="claude-nonesuch-1", on_event=panel.consume))
    assert "unknown · cache hit" in panel.footer.value and "$0.0000" not in panel.footer.value


def test_midstream_failure_keeps_partial_text_and_says_why(make_panel, session, sim):
    from claude_magic.core.errors import StreamFailed

    sim.queue(ScriptedReply(text="partial words " * 40, fail_after_chars=120))
    panel, handle = make_panel()
    try:
        session.ask("q", on_event=panel.consume)
    except StreamFailed:
        panel.stop(session.last, "failed")
    assert panel.status.startswith("failed: ") and "Overloaded" in panel.status
    assert "partial words" in panel.body.html()
    assert "partial words" in handle.updates[-1].html and "failed: " in handle.updates[-1].html


def test_interrupt_keeps_partial_text(make_panel, stream_events):
    panel, handle = make_panel()
    events = list(translate(stream_events("text_only.sse")))
    for event in events[:-1]:
        panel.consume(event)
    panel.stop(None, "interrupted")
    assert panel.status == "interrupted"
    assert events[-2].text.split()[0] in panel.body.html()
    assert "interrupted" in handle.updates[-1].html


def test_a_stale_complete_reply_does_not_become_the_failure_reason(make_panel, session, sim):
    old = session.ask("earlier question")
    panel, _ = make_panel()
    panel.stop(old, "failed")
    assert panel.status == "failed: failed" and old.text not in panel.body.html()


def test_settled_panel_becomes_static_html_with_the_reply(make_panel, session, sim):
    sim.queue(ScriptedReply(text="Final **answer** with $5 and $6.", thinking="pondering"))
    panel, handle = make_panel()
    panel.finish(session.ask("q", on_event=panel.consume))
    (static,) = handle.updates
    bundle = static._repr_mimebundle_()
    assert "Final <strong>answer</strong> with $5 and $6." in bundle["text/html"]
    assert "tex2jax_ignore" in bundle["text/html"], "Jupyter's MathJax must skip the reply"
    assert "<details><summary>Thinking</summary>" in bundle["text/html"]
    assert bundle["text/plain"] == "claude-sonnet-5-5 · default · done"
    assert panel.widget.comm is None, "live widgets are closed once settled"


def test_long_reply_freezes_finished_blocks_and_redraws_only_the_tail():
    stream = MarkdownStream(freeze_chars=100)
    paragraphs = [f"Paragraph {n} " + "word " * 30 for n in range(10)]
    text = ""
    for paragraph in paragraphs:
        text += paragraph + "\n\n"
        stream.show(text)
    assert len(stream.frozen) >= 5
    assert all("Paragraph 9" not in frozen.value for frozen in stream.frozen)
    assert len(stream.tail.value) < 400
    stream.show(text, final=True)
    assert visible_text(stream.html()).split() == text.split()


def test_code_fences_with_blank_lines_are_never_split():
    stream = MarkdownStream(freeze_chars=10)
    text = "Intro paragraph here.\n\n```python\nx = 1\n\n\ny = 2\n```\n\nAfter.\n\nMore"
    for end in range(1, len(text) + 1):
        stream.show(text[:end])
    stream.show(text, final=True)
    html = stream.html()
    assert html.count("<pre>") == 1 and "x" in html and "y" in html


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
    assert "THE-END" in panel.body.html()
