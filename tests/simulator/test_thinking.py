"""Thinking blocks per the registry's rules: omitted vs summarized display, manual budgets, scripts."""

from __future__ import annotations

import math

import pytest

from claude_magic.simulator import ScriptedReply

from .helpers import HELLO, body_of, post_messages, sse_frames


def final(client, model: str, max_tokens: int = 4096, **kwargs):
    with client.messages.stream(model=model, max_tokens=max_tokens, messages=HELLO, **kwargs) as stream:
        events = list(stream)
        return stream.get_final_message(), events


ADAPTIVE = {"type": "adaptive"}


def test_omitted_display_sends_no_thinking_delta_only_a_signature(sim):
    body = body_of(model="claude-fable-5-2", stream=True, max_tokens=4096, thinking=ADAPTIVE)
    frames = sse_frames(post_messages(sim, body).body)
    block0 = [data for name, data in frames if name.startswith("content_block") and data["index"] == 0]
    assert [f["type"] for f in block0] == ["content_block_start", "content_block_delta", "content_block_stop"]
    assert block0[0]["content_block"] == {"type": "thinking", "thinking": "", "signature": ""}
    assert block0[1]["delta"]["type"] == "signature_delta" and block0[1]["delta"]["signature"]


def test_a_model_that_thinks_by_default_skips_the_block_when_the_request_names_no_thinking(client):
    # Adaptive thinking may choose not to think: recorded Fable 5.1 streams then have no thinking
    # block and report thinking_tokens 0 (tests/fixtures/recorded/text_input_transformations.sse).
    message, _ = final(client, "claude-opus-5-5")
    assert [b.type for b in message.content] == ["text"]
    assert message.usage.output_tokens_details.thinking_tokens == 0


def test_omitted_display_final_block_through_the_sdk(client):
    message, _ = final(client, "claude-opus-5-5", thinking=ADAPTIVE)  # display defaults to omitted
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.thinking == "" and len(thinking.signature) > 40
    assert text.type == "text"
    details = message.usage.output_tokens_details
    assert details.thinking_tokens > 0
    assert message.usage.output_tokens == details.thinking_tokens + math.ceil(len(text.text) / 4)


def test_summarized_display_streams_thinking_text(client):
    message, events = final(client, "claude-sonnet-5-5", thinking={"type": "adaptive", "display": "summarized"})
    deltas = [e.thinking for e in events if e.type == "thinking"]
    assert len(deltas) >= 3
    assert "".join(deltas) == message.content[0].thinking
    assert message.content[0].thinking.startswith("The user wrote 2 words")
    assert [e.type for e in events].count("signature") == 1


def test_manual_budget_works_on_opus_4_6_and_summarizes_by_default(client):
    with pytest.warns(UserWarning, match="deprecated"):
        message, _ = final(client, "claude-opus-4-6", thinking={"type": "enabled", "budget_tokens": 1024})
    assert message.content[0].type == "thinking"
    assert message.content[0].thinking != ""
    assert message.content[1].text.startswith("**[Simulated reply]**")


def test_no_thinking_unless_asked_on_opus_4_8(client):
    message, _ = final(client, "claude-opus-4-8")
    assert [b.type for b in message.content] == ["text"]
    assert message.usage.output_tokens_details is None
    asked, _ = final(client, "claude-opus-4-8", thinking={"type": "adaptive"})
    assert [b.type for b in asked.content] == ["thinking", "text"]
    assert asked.content[0].thinking == ""


def test_disabled_thinking_gives_text_only(client):
    message, _ = final(client, "claude-sonnet-5-5", thinking={"type": "disabled"})
    assert [b.type for b in message.content] == ["text"]


def test_scripted_thinking_streams_its_text_regardless_of_display(client, sim):
    sim.queue(ScriptedReply(text="Answer.", thinking="Let me think about this carefully.", chunk_chars=8))
    message, events = final(client, "claude-fable-5-2")
    assert [e.thinking for e in events if e.type == "thinking"] == [
        "Let me t",
        "hink abo",
        "ut this ",
        "carefull",
        "y.",
    ]
    assert message.content[0].thinking == "Let me think about this carefully."
    assert message.content[1].text == "Answer."
    assert message.usage.output_tokens_details.thinking_tokens == math.ceil(34 / 4)


def test_same_thinking_gives_the_same_signature(client):
    first, _ = final(client, "claude-opus-5-5", thinking=ADAPTIVE)
    second, _ = final(client, "claude-opus-5-5", thinking=ADAPTIVE)
    other, _ = final(client, "claude-opus-5-5", max_tokens=4000, thinking=ADAPTIVE)
    assert first.content[0].signature == second.content[0].signature
    assert other.content[0].signature == first.content[0].signature  # the thinking text is the same


def test_thinking_blocks_can_be_sent_back_in_the_next_turn(client):
    message, _ = final(client, "claude-opus-5-5", thinking=ADAPTIVE)
    history = [*HELLO, message.to_param(), {"role": "user", "content": "And now?"}]
    with client.messages.stream(model="claude-opus-5-5", max_tokens=4096, messages=history) as stream:
        follow_up = stream.get_final_message()
    assert "- messages in the conversation: 3" in follow_up.content[-1].text
