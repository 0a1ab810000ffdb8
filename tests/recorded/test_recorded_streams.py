"""`claude_magic.core.stream` judged against real recorded API replies read by the real SDK over loopback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import anthropic
import pytest

from claude_magic.core.events import Event, Finished, Started, TextDelta, ThinkingDelta, ThinkingDone
from claude_magic.core.stream import StreamState, translate

from .fixtures import (
    JSON_FIXTURES,
    RECORDED,
    SSE_FIXTURES,
    Expected,
    expected_reply,
    serve_recorded,
    sse_events,
    stream_structure,
)

REQUEST: dict[str, Any] = {
    "model": "claude-opus-5",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello"}],
}


@dataclass
class Run:
    """What one recorded stream produced through the SDK and `claude_magic`, next to the raw truth."""

    expected: Expected
    state: StreamState
    events: list[Event]
    final_content: list[dict[str, Any]]


def run_recorded(name: str) -> Run:
    path = RECORDED / name
    with serve_recorded(path) as base_url:
        client = anthropic.Anthropic(base_url=base_url, api_key="sk-test", max_retries=0)
        with client.messages.stream(**REQUEST) as stream:
            state = StreamState()
            events = list(translate(stream, state))
            final = stream.get_final_message()
    return Run(
        expected=expected_reply(sse_events(path.read_bytes())),
        state=state,
        events=events,
        final_content=[block.to_dict() for block in final.content],
    )


@pytest.fixture(scope="module", params=SSE_FIXTURES)
def recorded(request: pytest.FixtureRequest) -> Run:
    return run_recorded(request.param)


def test_there_are_recorded_fixtures() -> None:
    assert len(SSE_FIXTURES) >= 5 and JSON_FIXTURES


def test_sdk_final_message_is_the_independently_rebuilt_content(recorded: Run) -> None:
    assert recorded.final_content == recorded.expected.blocks


def test_text_is_every_text_block_joined(recorded: Run) -> None:
    assert recorded.state.text == recorded.expected.text


def test_text_deltas_carry_each_recorded_chunk_and_the_text_so_far(recorded: Run) -> None:
    deltas = [e for e in recorded.events if isinstance(e, TextDelta)]
    assert [d.chunk for d in deltas] == recorded.expected.text_chunks
    if deltas:
        assert deltas[-1].text == recorded.expected.text


def test_thinking_is_the_visible_thinking(recorded: Run) -> None:
    assert recorded.state.thinking == recorded.expected.thinking
    assert "".join(e.chunk for e in recorded.events if isinstance(e, ThinkingDelta)) == recorded.expected.thinking


def test_omitted_thinking_is_flagged(recorded: Run) -> None:
    assert recorded.state.thinking_omitted == recorded.expected.thinking_omitted
    done = [e for e in recorded.events if isinstance(e, ThinkingDone)]
    thinking_blocks = [b for b in recorded.expected.blocks if b["type"] == "thinking"]
    assert len(done) == len(thinking_blocks)


def test_citations_are_the_recorded_citations_in_order(recorded: Run) -> None:
    assert recorded.state.citations == recorded.expected.citations


def test_stop_reason_and_stop_details(recorded: Run) -> None:
    assert recorded.state.stop_reason == recorded.expected.stop_reason
    assert recorded.state.stop_details == recorded.expected.stop_details


def test_usage_is_message_start_overwritten_by_message_delta(recorded: Run) -> None:
    assert recorded.state.usage == recorded.expected.usage


def test_started_and_finished_events(recorded: Run) -> None:
    expected = recorded.expected
    assert recorded.events[0] == Started(expected.model, expected.message_id, expected.start_usage["input_tokens"])
    assert recorded.events[-1] == Finished(expected.stop_reason, expected.usage)
    assert recorded.state.finished


def test_refusal_reports_category_and_explanation() -> None:
    run = run_recorded("refusal.sse")
    assert run.state.stop_reason == "refusal"
    assert run.state.stop_details is not None
    assert run.state.stop_details["category"] == "reasoning_extraction"
    assert run.state.stop_details["explanation"].startswith("This request was blocked")
    assert run.state.text == "" and run.final_content == []


def test_server_tool_usage_reaches_the_state() -> None:
    run = run_recorded("omitted_thinking_server_tool.sse")
    assert run.state.usage["server_tool_use"] == {"web_search_requests": 0, "web_fetch_requests": 0}
    assert run.state.usage["output_tokens_details"] == {"thinking_tokens": 47}
    assert [len(i) > 0 for i in run.state.usage["iterations"]] == [True, True, True]


@pytest.mark.parametrize("name", JSON_FIXTURES)
def test_non_streaming_body_reaches_the_sdk_unchanged(name: str) -> None:
    body = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    with serve_recorded(RECORDED / name) as base_url:
        client = anthropic.Anthropic(base_url=base_url, api_key="sk-test", max_retries=0)
        message = client.messages.create(**REQUEST)
    assert [block.to_dict() for block in message.content] == body["content"]
    assert message.usage.to_dict() == body["usage"]
    assert (message.stop_reason, message.stop_details) == (body["stop_reason"], body["stop_details"])


def test_serve_recorded_keeps_what_the_client_sent_without_credentials() -> None:
    with serve_recorded(RECORDED / "text_input_transformations.sse") as base_url:
        client = anthropic.Anthropic(base_url=base_url, api_key="sk-test", max_retries=0)
        with client.messages.stream(**REQUEST) as stream:
            stream.until_done()
        client.messages.create(**{**REQUEST, "messages": [*REQUEST["messages"], stream.get_final_message().to_param()]})
    first, second = base_url.requests
    assert (first.method, first.path, second.path) == ("POST", "/v1/messages", "/v1/messages")
    assert first.json()["stream"] is True and first.json()["messages"] == REQUEST["messages"]
    assert second.json()["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "391 × 2 = **782**."}],
    }
    assert not {"authorization", "x-api-key"} & set(first.headers)
    assert "sk-test" not in json.dumps([r.headers for r in base_url.requests])


def test_stream_structure_of_the_plain_text_recording() -> None:
    frames = sse_events((RECORDED / "text_input_transformations.sse").read_bytes())
    message_keys = (
        "message:content,id,input_transformations,model,role,stop_details,stop_reason,stop_sequence,type,usage"
    )
    start_usage = (
        "usage:cache_creation,cache_creation_input_tokens,cache_read_input_tokens,inference_geo,"
        "input_tokens,output_tokens,service_tier"
    )
    delta_usage = (
        "usage:cache_creation_input_tokens,cache_read_input_tokens,input_tokens,output_tokens,output_tokens_details"
    )
    assert stream_structure(frames) == [
        ("message_start", message_keys, start_usage),
        ("content_block_start", "text"),
        ("content_block_delta", "text_delta"),
        ("content_block_delta", "text_delta"),
        ("content_block_stop",),
        ("message_delta", "delta:stop_details,stop_reason,stop_sequence", delta_usage),
        ("message_stop",),
    ]
    assert ("ping",) in stream_structure(frames, keep_ping=True)


# -- the simulator's stream for an equivalent script has the recording's structure ---------------

# Keys a recording may carry that only a beta feature adds (the simulator speaks the GA API).
BETA_ONLY = {"input_transformations"}

EQUIVALENT_SCRIPTS = {
    "text_input_transformations.sse": ({"type": "text", "text": "Hello there, general."},),
    "refusal.sse": (),
    "redacted_thinking.sse": (
        {"type": "redacted_thinking"},
        {"type": "redacted_thinking"},
        {"type": "text", "text": "One.\n\nTwo."},
    ),
    "tool_use_parallel_empty_input.sse": (
        {"type": "text", "text": "Two names coming up."},
        {"type": "tool_use", "name": "pelican_name_generator", "input": {}},
        {"type": "tool_use", "name": "pelican_name_generator", "input": {}},
    ),
}


def collapsed_order(shape: list[tuple[str, ...]]) -> list[str]:
    """Event names and block/delta types, with runs of the same delta type counted once (chunking differs)."""
    order: list[str] = []
    for frame in shape:
        step = ":".join(frame[:2]) if frame[0].startswith("content_block_") else frame[0]
        if not (order and order[-1] == step and frame[0] == "content_block_delta"):
            order.append(step)
    return order


def key_sets(shape: list[tuple[str, ...]]) -> dict[str, set[str]]:
    """For message_start and message_delta: each labelled key set (message:, usage:, delta:)."""
    sets: dict[str, set[str]] = {}
    for frame in shape:
        if frame[0] in ("message_start", "message_delta"):
            for part in frame[1:]:
                label, _, keys = part.partition(":")
                sets[f"{frame[0]}.{label}"] = set(keys.split(",")) - {""}
    return sets


def simulator_frames(sim, name: str) -> list[tuple[str, dict]]:
    import httpx2

    from claude_magic.simulator import ScriptedReply

    content = EQUIVALENT_SCRIPTS[name]
    stop = "tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn"
    script = ScriptedReply(content=content, stop_reason=stop)
    sim.queue(ScriptedReply.refusal("cyber", "No.") if name == "refusal.sse" else script)
    # The recordings' own model: Fable 5.1 always thinks, so its usage reports thinking tokens (0 here).
    body = {"model": "claude-fable-5-1", "max_tokens": 256, "stream": True}
    body["messages"] = [{"role": "user", "content": "hi"}]
    body["tools"] = [{"name": "pelican_name_generator", "input_schema": {"type": "object"}}]
    headers = {"x-api-key": "sk-test", "anthropic-version": "2026-10-21"}
    return sse_events(httpx2.post(f"{sim.url}/v1/messages", json=body, headers=headers).content)


@pytest.mark.parametrize("name", sorted(EQUIVALENT_SCRIPTS))
def test_the_simulator_streams_the_recordings_structure(name, sim) -> None:
    recorded = stream_structure(sse_events((RECORDED / name).read_bytes()))
    simulated = stream_structure(simulator_frames(sim, name))
    assert collapsed_order(simulated) == collapsed_order(recorded)
    ours = key_sets(simulated)
    for label, keys in key_sets(recorded).items():
        assert keys - BETA_ONLY <= ours[label], f"{label}: the simulator lacks {sorted(keys - BETA_ONLY - ours[label])}"
