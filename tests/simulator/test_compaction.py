"""Betas, metadata and threshold compaction in the simulator, through the real SDK's beta surface."""

from __future__ import annotations

import anthropic
import pytest

MODEL = "claude-sonnet-5-5"
BETA = "compact-2026-01-12"
EDIT = {"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": 200}}
LONG = "Tell me about rivers. " * 60  # ~330 tokens by the simulator's estimate


def ask(client, messages, **options):
    options.setdefault("betas", [BETA])
    options.setdefault("context_management", {"edits": [EDIT]})
    return client.beta.messages.create(model=MODEL, max_tokens=200, messages=messages, **options)


def error_code(error: anthropic.BadRequestError) -> str | None:
    return ((error.body or {}).get("error", {}).get("details") or {}).get("error_code")


@pytest.fixture
def compacted(client):
    """A two-turn chat past the trigger: the first reply, and the second (compacting) reply."""
    first = [{"role": "user", "content": LONG}]
    reply = ask(client, first)
    history = [*first, {"role": "assistant", "content": [b.to_dict() for b in reply.content]}]
    messages = [*history, {"role": "user", "content": "And lakes?"}]
    return messages, ask(client, messages)


def test_a_request_past_the_trigger_compacts_first(compacted):
    _, reply = compacted
    kinds = [block.type for block in reply.content]
    assert kinds[0] == "compaction" and "text" in kinds
    assert reply.content[0].content.startswith("Summary of the 2 earlier messages")
    iterations = [item.type for item in reply.usage.iterations]
    assert iterations == ["compaction", "message"]
    message = reply.usage.iterations[1]
    assert (message.input_tokens, message.output_tokens) == (reply.usage.input_tokens, reply.usage.output_tokens)
    assert reply.usage.iterations[0].input_tokens > EDIT["trigger"]["value"]


def test_the_stream_carries_a_compaction_delta(client):
    first = [{"role": "user", "content": LONG}]
    reply = ask(client, first)
    messages = [*first, {"role": "assistant", "content": [b.to_dict() for b in reply.content]}]
    messages.append({"role": "user", "content": "More?"})
    with client.beta.messages.stream(
        model=MODEL, max_tokens=200, messages=messages, betas=[BETA], context_management={"edits": [EDIT]}
    ) as stream:
        deltas = [e.delta.type for e in stream if e.type == "content_block_delta"]
        final = stream.get_final_message()
    assert deltas[0] == "compaction_delta"
    assert final.content[0].type == "compaction" and final.content[0].content


def test_a_returned_compaction_block_is_accepted_and_replaces_what_came_before(client, compacted):
    messages, reply = compacted
    messages = [*messages, {"role": "assistant", "content": [b.to_dict() for b in reply.content]}]
    messages.append({"role": "user", "content": "Thanks."})
    again = ask(client, messages)
    assert "compaction" not in [b.type for b in again.content], "the summary keeps the input under the trigger"
    assert again.usage.iterations is None or all(i.type != "compaction" for i in again.usage.iterations)
    assert again.usage.input_tokens < EDIT["trigger"]["value"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"content": "A summary I wrote myself."}, "compaction_content_mismatch"),
        ({"encrypted_content": "SimAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "compaction_signature_invalid"),
    ],
)
def test_a_changed_compaction_block_is_refused(client, compacted, change, code):
    messages, reply = compacted
    content = [b.to_dict() for b in reply.content]
    content[0] = {**content[0], **change}
    messages = [*messages, {"role": "assistant", "content": content}, {"role": "user", "content": "ok"}]
    with pytest.raises(anthropic.BadRequestError) as caught:
        ask(client, messages)
    assert error_code(caught.value) == code


def test_a_compaction_block_in_a_user_turn_is_misplaced(client, compacted):
    _, reply = compacted
    block = reply.content[0].to_dict()
    bad = [{"role": "user", "content": [block, {"type": "text", "text": "hi"}]}]
    with pytest.raises(anthropic.BadRequestError) as caught:
        ask(client, bad)
    assert error_code(caught.value) == "compaction_block_misplaced"


def test_context_management_needs_the_beta(client):
    with pytest.raises(anthropic.BadRequestError, match="context_management: Extra inputs are not permitted"):
        ask(client, [{"role": "user", "content": "hi"}], betas=[])


def test_an_unknown_beta_is_refused_and_a_known_one_accepted(client):
    with pytest.raises(anthropic.BadRequestError, match=r"Unexpected value.*`no-such-beta-2099-01-01`"):
        ask(client, [{"role": "user", "content": "hi"}], betas=["no-such-beta-2099-01-01"])
    reply = ask(client, [{"role": "user", "content": "hi"}], betas=["context-1m-2025-08-07", BETA])
    assert reply.content[-1].type == "text"


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        ({"user_id": "u" * 257}, "metadata.user_id: String should have at most 256 characters"),
        ({"user_id": "u1", "email": "a@b.c"}, "metadata.email: Extra inputs are not permitted"),
        ({"user_id": 7}, "metadata.user_id: Input should be a valid string"),
    ],
)
def test_metadata_takes_only_a_user_id(client, metadata, fragment):
    with pytest.raises(anthropic.BadRequestError, match=fragment):
        client.messages.create(
            model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}], metadata=metadata
        )
    reply = client.messages.create(
        model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}], metadata={"user_id": "u" * 256}
    )
    assert reply.content
