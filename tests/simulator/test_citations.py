"""Citations: scripted citations stream as citations_delta events and accumulate into text blocks."""

from __future__ import annotations

from claude_magic.simulator import ScriptedReply

from .helpers import HELLO, MODEL, body_of, post_messages, sse_frames

GRASS = {
    "type": "char_location",
    "cited_text": "The grass is green.",
    "document_index": 0,
    "document_title": "Example Document",
    "start_char_index": 0,
    "end_char_index": 20,
    "file_id": None,
}
SKY = {**GRASS, "cited_text": "The sky is blue.", "start_char_index": 20, "end_char_index": 36}
TEXT = "Here is what the document says. Grass is green and the sky is blue."


def test_citations_round_trip_through_the_stream_accumulator(client, sim):
    sim.queue(ScriptedReply(text=TEXT, citations=(GRASS, SKY)))
    with client.messages.stream(model=MODEL, max_tokens=1024, messages=HELLO) as stream:
        events = list(stream)
        message = stream.get_final_message()
    plain, cited = message.content
    assert plain.text == "Here is what the document says. " and plain.citations is None
    assert cited.text == "Grass is green and the sky is blue."
    assert [c.model_dump() for c in cited.citations] == [GRASS, SKY]
    assert [e.citation.cited_text for e in events if e.type == "citation"] == [GRASS["cited_text"], SKY["cited_text"]]
    assert plain.text + cited.text == TEXT


def test_citations_in_a_non_streaming_message(client, sim):
    sim.queue(ScriptedReply(text="Only one sentence here", citations=(GRASS,)))
    message = client.messages.create(model=MODEL, max_tokens=1024, messages=HELLO)
    [block] = message.content
    assert block.text == "Only one sentence here"
    assert [c.model_dump() for c in block.citations] == [GRASS]


def test_citations_delta_frames_on_the_wire(sim):
    sim.queue(ScriptedReply(text=TEXT, citations=(GRASS,)))
    frames = sse_frames(post_messages(sim, body_of(stream=True)).body)
    starts = [data["content_block"] for name, data in frames if name == "content_block_start"]
    assert starts == [{"type": "text", "text": ""}, {"type": "text", "text": "", "citations": []}]
    deltas = [data for name, data in frames if name == "content_block_delta"]
    cites = [data for data in deltas if data["delta"]["type"] == "citations_delta"]
    expected = {"type": "content_block_delta", "index": 1, "delta": {"type": "citations_delta", "citation": GRASS}}
    assert cites == [expected]
    assert next(d["delta"]["type"] for d in deltas if d["index"] == 1) == "citations_delta"  # before its text
