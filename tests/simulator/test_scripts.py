"""Scripted replies as data: refusals, paused turns, tools, web search, redacted/omitted thinking, compaction."""

from __future__ import annotations

import json
from typing import Any

from claude_magic.simulator import ScriptedReply

from .helpers import HELLO, MODEL, body_of, post_messages, sse_frames

RESULT = {
    "type": "web_search_result",
    "url": "https://example.com/tides",
    "title": "Tides",
    "encrypted_content": "Eo8BCioIAhgB",
    "page_age": None,
}
WEB_CITE = {
    "type": "web_search_result_location",
    "cited_text": "Tides follow the moon.",
    "url": "https://example.com/tides",
    "title": "Tides",
    "encrypted_index": "Eo8BCioIAhgBIiQ",
}


def streamed(client, **kwargs: Any):
    with client.messages.stream(model=MODEL, max_tokens=1024, messages=HELLO, **kwargs) as stream:
        events = list(stream)
        return stream.get_final_message(), events


def test_refusal_is_http_200_with_no_content_and_stop_details(client, sim):
    sim.queue(ScriptedReply.refusal("cyber", "This could enable malware."))
    message, _ = streamed(client)
    assert message.content == [] and message.stop_reason == "refusal"
    assert message.stop_details.model_dump() == {
        "type": "refusal",
        "category": "cyber",
        "explanation": "This could enable malware.",
    }


def test_pause_turn_ends_on_a_server_tool_use_without_result(client, sim):
    sim.queue(ScriptedReply.pause_turn("tides today"))
    message, _ = streamed(client)
    assert message.stop_reason == "pause_turn"
    assert [b.type for b in message.content] == ["text", "server_tool_use"]
    assert message.content[1].id.startswith("srvtoolu_01") and message.content[1].input == {"query": "tides today"}
    client.messages.create(model=MODEL, max_tokens=64, messages=[*HELLO, message.to_param()])  # resumes


def test_tool_use_streams_input_json_deltas_with_a_toolu_id(client, sim):
    call = {"type": "tool_use", "name": "get_weather", "input": {"location": "San Francisco, CA"}}
    sim.queue(
        ScriptedReply(content=({"type": "text", "text": "Checking."}, call), stop_reason="tool_use", chunk_chars=7)
    )
    message, events = streamed(client)
    pieces = [e.partial_json for e in events if e.type == "input_json"]
    assert pieces[0] == "" and len(pieces) > 3
    assert json.loads("".join(pieces)) == {"location": "San Francisco, CA"}
    block = message.content[1]
    assert block.type == "tool_use" and block.id.startswith("toolu_01") and block.input == call["input"]
    assert message.stop_reason == "tool_use"


def test_web_search_with_result_block_cited_text_and_usage(client, sim):
    search = {"type": "server_tool_use", "name": "web_search", "input": {"query": "tides"}, "id": "srvtoolu_01X"}
    found = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01X", "content": [RESULT]}
    cited = {"type": "text", "text": "Tides follow the moon.", "citations": [WEB_CITE]}
    usage = {"server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0}}
    sim.queue(ScriptedReply(content=(search, found, cited), usage=usage))
    message, _ = streamed(client)
    assert [b.type for b in message.content] == ["server_tool_use", "web_search_tool_result", "text"]
    assert message.content[1].content[0].url == RESULT["url"]
    assert message.content[2].citations[0].model_dump() == WEB_CITE
    assert message.usage.server_tool_use.web_search_requests == 1


def test_redacted_thinking_arrives_whole(sim):
    sim.queue(ScriptedReply(content=({"type": "redacted_thinking"}, {"type": "text", "text": "Hi."})))
    frames = sse_frames(post_messages(sim, body_of(stream=True)).body)
    block0 = [d for n, d in frames if n.startswith("content_block") and d["index"] == 0]
    assert [f["type"] for f in block0] == ["content_block_start", "content_block_stop"]
    assert block0[0]["content_block"]["type"] == "redacted_thinking" and block0[0]["content_block"]["data"]


def test_scripted_omitted_thinking_sends_only_a_signature(sim):
    sim.queue(ScriptedReply(content=({"type": "thinking", "thinking": ""}, {"type": "text", "text": "Hi."})))
    frames = sse_frames(post_messages(sim, body_of(stream=True)).body)
    deltas = [d["delta"]["type"] for n, d in frames if n == "content_block_delta" and d["index"] == 0]
    assert deltas == ["signature_delta"]


def test_compaction_block_and_iterations_usage_through_the_beta_stream(client, sim):
    compaction = {"type": "compaction", "content": "Summary of the earlier chat."}
    iterations = [
        {"type": "compaction", "input_tokens": 180, "output_tokens": 12, "cache_read_input_tokens": 0,
         "cache_creation_input_tokens": 0},
        {"type": "message", "input_tokens": 40, "output_tokens": 5, "cache_read_input_tokens": 0,
         "cache_creation_input_tokens": 0},
    ]  # fmt: skip
    content = (compaction, {"type": "text", "text": "Hi."})
    sim.queue(ScriptedReply(content=content, usage={"iterations": iterations}))
    with client.beta.messages.stream(model=MODEL, max_tokens=1024, messages=HELLO, betas=["compact-2026-01-12"]) as s:
        message = s.get_final_message()
    block = message.content[0]
    assert block.type == "compaction" and block.content == "Summary of the earlier chat."
    assert block.encrypted_content
    assert [i.type for i in message.usage.iterations] == ["compaction", "message"]


def test_message_start_carries_the_real_envelope_and_usage_fields(sim):
    frames = sse_frames(post_messages(sim, body_of(stream=True)).body)
    start = frames[0][1]["message"]
    assert start["stop_details"] is None and start["container"] is None
    assert start["usage"]["server_tool_use"] == {"web_search_requests": 0, "web_fetch_requests": 0}
    assert start["usage"]["service_tier"] == "standard" and start["usage"]["inference_geo"] == "global"


def test_error_bodies_carry_details(sim):
    error = post_messages(sim, body_of(messages=[])).json()["error"]
    assert error["type"] == "invalid_request_error" and "details" in error and error["details"] is None
