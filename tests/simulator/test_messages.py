"""POST /v1/messages through the real SDK: streaming, non-streaming, determinism, the wire format."""

from __future__ import annotations

import math

import anthropic

from claude_magic.simulator import ScriptedReply, Simulator

from .helpers import HELLO, MODEL, body_of, post_messages, sse_frames


def stream_final(client: anthropic.Anthropic, **kwargs):
    params = {"model": MODEL, "max_tokens": 1024, "messages": HELLO, **kwargs}
    with client.messages.stream(**params) as stream:
        texts = list(stream.text_stream)
        return stream, stream.get_final_message(), texts


def test_stream_final_message_text_usage_ids(client, sim):
    stream, message, texts = stream_final(client, thinking={"type": "disabled"})
    text = message.content[0].text
    assert [block.type for block in message.content] == ["text"]
    assert "".join(texts) == text and len(texts) > 5
    assert text.startswith("**[Simulated reply]** ")
    assert message.stop_reason == "end_turn"
    assert message.id == "msg_sim_00000001"
    assert stream.request_id == "req_sim_00000001"
    assert message.usage.output_tokens == math.ceil(len(text) / 4)
    assert message.usage.input_tokens == math.ceil(len("user" + "Hello, simulator!") / 4)
    assert message.usage.cache_read_input_tokens == 0
    assert message.usage.cache_creation.ephemeral_5m_input_tokens == 0


def test_default_reply_is_labelled_and_describes_the_request(client):
    messages = [
        {"role": "user", "content": "First question"},
        {"role": "assistant", "content": "An answer"},
        {
            "role": "user",
            "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
                {"type": "text", "text": "Describe   this\nimage please"},
            ],
        },
    ]
    _, message, _ = stream_final(client, messages=messages, thinking={"type": "disabled"})
    text = message.content[0].text
    assert text.startswith('**[Simulated reply]** You asked: "Describe this image please"')
    assert "- model: `claude-sonnet-5-5`" in text
    assert "- messages in the conversation: 3" in text
    assert "- attachments in your message: 1 image, 0 documents" in text
    assert "```python\n" in text and "\n- " in text


def test_same_prompt_same_reply_different_prompt_different_reply(client):
    first = stream_final(client)[1].content[-1].text
    again = stream_final(client)[1].content[-1].text
    other = stream_final(client, messages=[{"role": "user", "content": "Something else"}])[1].content[-1].text
    assert first == again
    assert other != first
    assert 'You asked: "Something else"' in other


def test_long_prompt_is_quoted_to_80_characters(client):
    prompt = "word " * 40
    text = stream_final(client, messages=[{"role": "user", "content": prompt}])[1].content[-1].text
    assert f'You asked: "{prompt[:80].rstrip()}…"' in text


def test_non_streaming_create_matches_the_stream(client):
    created = client.messages.create(model=MODEL, max_tokens=1024, messages=HELLO)
    _, streamed, _ = stream_final(client)
    assert created.model_dump(exclude={"id"}) == streamed.model_dump(exclude={"id"})
    assert created.id == "msg_sim_00000001" and streamed.id == "msg_sim_00000002"
    assert created._request_id == "req_sim_00000001"


def test_non_streaming_response_is_json_with_request_id(sim):
    response = post_messages(sim, body_of())
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["request-id"] == "req_sim_00000001"
    data = response.json()
    assert data["type"] == "message" and data["role"] == "assistant"
    assert data["stop_reason"] == "end_turn" and data["stop_sequence"] is None
    assert data["container"] is None and data["stop_details"] is None


def test_raw_sse_frames_follow_the_documented_order(sim):
    response = post_messages(sim, body_of(stream=True, thinking={"type": "adaptive"}))
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.headers["request-id"].startswith("req_sim_")
    frames = sse_frames(response.body)
    names = [name for name, _ in frames]
    assert all(name == data["type"] for name, data in frames)
    assert names[:2] == ["message_start", "ping"] and names[-2:] == ["message_delta", "message_stop"]
    assert names.count("content_block_start") == names.count("content_block_stop") == 2
    start = frames[0][1]["message"]
    assert start["usage"]["output_tokens"] == 1 and start["stop_reason"] is None and start["content"] == []
    indices = [data["index"] for name, data in frames if name.startswith("content_block")]
    assert indices == sorted(indices) and set(indices) == {0, 1}
    final = frames[-2][1]
    assert final["delta"]["stop_reason"] == "end_turn"
    assert final["usage"]["output_tokens_details"]["thinking_tokens"] > 0


def test_scripted_reply_replaces_the_default_once(client, sim):
    sim.queue(
        ScriptedReply(
            text="Scripted *markdown* answer.",
            chunk_chars=5,
            stop_reason="refusal",
            stop_details={"type": "refusal", "category": None, "explanation": None},
        )
    )
    _, message, texts = stream_final(client, thinking={"type": "disabled"})
    assert texts == ["Scrip", "ted *", "markd", "own* ", "answe", "r."]
    assert message.content[0].text == "Scripted *markdown* answer."
    assert message.stop_reason == "refusal" and message.stop_details.type == "refusal"
    assert message.usage.output_tokens == math.ceil(len("Scripted *markdown* answer.") / 4)
    follow_up = stream_final(client)[1]
    assert follow_up.content[-1].text.startswith("**[Simulated reply]**")


def test_scripted_replies_are_served_in_order_and_output_tokens_override(client, sim):
    sim.queue(ScriptedReply(text="one", output_tokens=99))
    sim.queue(ScriptedReply(text="two"))
    first = client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    second = client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert [first.content[0].text, second.content[0].text] == ["one", "two"]
    assert first.usage.output_tokens == 99 and second.usage.output_tokens == 1


def test_small_max_tokens_truncates_the_default_reply(client):
    message = client.messages.create(model=MODEL, max_tokens=10, messages=HELLO, thinking={"type": "disabled"})
    assert message.stop_reason == "max_tokens"
    assert len(message.content[0].text) == 40 and message.usage.output_tokens == 10


def test_max_tokens_zero_is_a_cache_prewarm(client):
    message = client.messages.create(model=MODEL, max_tokens=0, messages=HELLO)
    assert message.content == [] and message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 0


def test_requests_are_recorded_with_credentials_redacted(client, sim):
    client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    [request] = sim.requests
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.headers["authorization"] == "<redacted>"
    assert request.headers["anthropic-version"] == "2026-10-21"
    assert request.body == {"model": MODEL, "max_tokens": 64, "messages": HELLO}
    assert b'"Hello, simulator!"' in request.raw_body
    assert "sk-test" not in repr(request)


def test_reset_clears_queue_and_log(client, sim):
    sim.queue(ScriptedReply(text="never served"))
    client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    sim.queue(ScriptedReply(text="dropped by reset"))
    sim.reset()
    assert sim.requests == []
    text = client.messages.create(model=MODEL, max_tokens=1024, messages=HELLO).content[-1].text
    assert text.startswith("**[Simulated reply]**")


def test_interrupted_stream_leaves_the_server_healthy(client, sim):
    sim.queue(ScriptedReply(text="x" * 200, chunk_chars=10, delay_s=0.05))
    with client.messages.stream(model=MODEL, max_tokens=1024, messages=HELLO) as stream:
        first = next(iter(stream.text_stream))
    assert first == "x" * 10
    assert client.messages.create(model=MODEL, max_tokens=64, messages=HELLO).content


def test_many_simulators_run_at_once():
    with Simulator() as one, Simulator() as two:
        assert one.url != two.url
        for sim in (one, two):
            client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=0)
            assert client.messages.create(model=MODEL, max_tokens=64, messages=HELLO).content
        assert len(one.requests) == len(two.requests) == 1
    assert not one.running and "stopped" in repr(one)


def test_stopped_simulator_refuses_connections():
    sim = Simulator().start()
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=0)
    sim.stop()
    sim.stop()
    try:
        client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    except anthropic.APIConnectionError:
        pass
    else:
        raise AssertionError("expected APIConnectionError from a stopped simulator")
