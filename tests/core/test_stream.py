"""core.stream against SSE fixtures decoded and accumulated by the real SDK."""

from __future__ import annotations

from claude_magic.core.events import CitationAdded, Finished, Started, TextDelta, ThinkingDelta, ThinkingDone
from claude_magic.core.stream import StreamState, translate
from claude_magic.core.usage import usage_from_api


def run(stream_events, name):
    state = StreamState()
    return state, list(translate(stream_events(name), state))


def test_text_stream_yields_chunks_with_text_so_far(stream_events):
    state, events = run(stream_events, "text_only.sse")
    assert events[0] == Started("claude-sonnet-5-5", "msg_01TEXT", 25)
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert [d.chunk for d in deltas] == ["A p-value is ", "the probability of data at least this extreme."]
    assert deltas[-1].text == "A p-value is the probability of data at least this extreme."
    assert events[-1] == Finished("end_turn", state.usage)
    assert state.finished and state.stop_reason == "end_turn"


def test_message_delta_usage_overwrites_not_adds(stream_events):
    state, _ = run(stream_events, "text_only.sse")
    usage = usage_from_api(state.usage)
    assert usage.input_tokens == 25  # kept from message_start: absent on message_delta
    assert usage.output_tokens == 15  # overwritten, not 1 + 15


def test_thinking_and_citations(stream_events):
    state, events = run(stream_events, "thinking_citations.sse")
    thinking = [e for e in events if isinstance(e, ThinkingDelta)]
    assert thinking[-1].thinking == "The user asks about grass. The document says it is green."
    assert ThinkingDone(thinking[-1].thinking, omitted=False) in events
    assert state.text == "According to the document, the grass is green. Also, water is essential."
    cites = [e for e in events if isinstance(e, CitationAdded)]
    assert [c.number for c in cites] == [1, 2]
    assert cites[0].citation["cited_text"] == "The grass is green."
    assert cites[1].citation["start_page_number"] == 5
    assert [s.citations for s in state.segments] == [[], [1], [], [2]]
    assert usage_from_api(state.usage).thinking_tokens == 40


def test_text_deltas_join_across_blocks(stream_events):
    _, events = run(stream_events, "thinking_citations.sse")
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert texts == [
        "According to the document, ",
        "According to the document, the grass is green.",
        "According to the document, the grass is green. Also, ",
        "According to the document, the grass is green. Also, water is essential.",
    ]


def test_omitted_thinking_is_flagged_not_shown(stream_events):
    state, events = run(stream_events, "omitted_thinking.sse")
    assert not [e for e in events if isinstance(e, ThinkingDelta)]
    assert ThinkingDone("", omitted=True) in events
    assert state.thinking_omitted
    assert state.stop_reason == "max_tokens"


def test_citations_from_the_fixture_carry_type_text_index_title_and_range(stream_events):
    state = StreamState()
    list(translate(stream_events("thinking_citations.sse"), state))
    summary = [
        (c["type"], c["cited_text"], c["document_index"], c["document_title"], _range(c)) for c in state.citations
    ]
    assert summary[0] == ("char_location", "The grass is green.", 0, "Example Document", (0, 20))
    assert summary[1][0] == "page_location" and summary[1][4] == (5, 6)


def _range(citation):
    for start, end in (("start_char_index", "end_char_index"), ("start_page_number", "end_page_number")):
        if start in citation:
            return citation[start], citation[end]
    return None
