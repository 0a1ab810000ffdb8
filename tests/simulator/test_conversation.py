"""Conversation validity: each request the real API rejects gets the same 400 from the simulator."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from claude_magic.simulator import ScriptedReply

from .helpers import MODEL, body_of, post_messages

TOOL = {"name": "probe", "description": "A probe.", "input_schema": {"type": "object"}}
USE = {"type": "tool_use", "id": "toolu_01A", "name": "probe", "input": {}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "42"}
SEARCH = {"type": "server_tool_use", "id": "srvtoolu_01A", "name": "web_search", "input": {"query": "q"}}
FOUND = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01A", "content": []}


def user(*blocks: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks) if blocks else "Go on."}


def assistant(*blocks: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def rejected(client: anthropic.Anthropic, messages: list[Any], **kwargs: Any) -> str:
    """Send through the real SDK; the 400 invalid_request_error's message."""
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model=MODEL, max_tokens=256, messages=messages, **kwargs)
    assert info.value.status_code == 400 and info.value.type == "invalid_request_error"
    return info.value.api_message


def accepted(client: anthropic.Anthropic, messages: list[Any], **kwargs: Any) -> None:
    client.messages.create(model=MODEL, max_tokens=256, messages=messages, **kwargs)


def test_first_message_must_be_user(client):
    message = rejected(client, [assistant(text("Hi")), user()])
    assert message == 'messages: first message must use the "user" role'


def test_empty_content_list_is_rejected(client):
    message = rejected(client, [user(), assistant(), user()])
    assert message == (
        "messages.1: all messages must have non-empty content except for the optional final assistant message"
    )


def test_empty_string_content_is_rejected(client):
    message = rejected(client, [{"role": "user", "content": ""}])
    assert message.startswith("messages.0: all messages must have non-empty content")


def test_empty_text_block_is_rejected(client):
    message = rejected(client, [user(text("question"), text(""))])
    assert message == "messages.0.content.1.text: text content blocks must be non-empty"


def test_empty_text_block_inside_a_tool_result_is_rejected(client):
    """Unverified (conversation.UNVERIFIED): no recording shows the real answer yet."""
    empty = {**RESULT, "content": [text("")]}
    message = rejected(client, [user(), assistant(USE), user(empty)], tools=[TOOL])
    assert message == "messages.2.content.0.content.0.text: text content blocks must be non-empty"
    accepted(client, [user(), assistant(USE), user({**RESULT, "content": [text("42")]})], tools=[TOOL])


def test_whitespace_only_text_block_is_rejected(client):
    message = rejected(client, [user(), assistant(text("Cited."), text(" ")), user()])
    assert message == "messages.1.content.1.text: text content blocks must contain non-whitespace text"


def test_whitespace_only_string_content_is_rejected(client):
    message = rejected(client, [{"role": "user", "content": " \n "}])
    assert message == "messages.0.content: text content blocks must contain non-whitespace text"


def test_empty_final_assistant_is_a_prefill_on_4_6_plus_but_allowed_on_4_5(client):
    assert rejected(client, [user(), assistant()]).startswith("This model does not support assistant message prefill")
    message = client.messages.create(model="claude-haiku-4-5", max_tokens=256, messages=[user(), assistant()])
    assert message.stop_reason == "end_turn"


def test_tool_use_without_tool_result_is_rejected(client):
    message = rejected(client, [user(), assistant(USE), user(text("never mind"))], tools=[TOOL])
    assert message == (
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01A. "
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
    )


def test_tool_result_must_open_the_next_user_message(client):
    message = rejected(client, [user(), assistant(USE), user(text("here:"), RESULT)], tools=[TOOL])
    assert "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_01A" in message


def test_tool_result_without_tool_use_is_rejected(client):
    message = rejected(client, [user(), assistant(text("ok")), user(RESULT)], tools=[TOOL])
    assert message == (
        "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01A. "
        "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
    )


def test_answered_tool_use_is_accepted_and_same_role_messages_merge(client):
    accepted(client, [user(), assistant(text("Let me check."), USE), user(RESULT), user(text("Thanks."))], tools=[TOOL])
    accepted(client, [user(), user(text("More context.")), assistant(text("ok")), assistant(USE), user(RESULT)])


def test_server_tool_use_without_result_in_an_earlier_turn_is_rejected(client):
    message = rejected(client, [user(), assistant(SEARCH, text("Found nothing.")), user()])
    assert message.startswith("messages.1.content.0: `server_tool_use` block with id `srvtoolu_01A`")


def test_paused_final_turn_may_hold_a_server_tool_use_without_result(client):
    accepted(client, [user(), assistant(text("Searching."), SEARCH)])
    accepted(client, [user(), assistant(SEARCH, FOUND, text("Found it.")), user()])


def test_citations_in_a_user_search_result_are_rejected(sim):
    cited = {"type": "text", "text": "echo", "citations": [{"type": "char_location", "cited_text": "x"}]}
    search = {"type": "search_result", "source": "https://example.com", "title": "t", "content": [cited]}
    response = post_messages(sim, body_of(messages=[user(search)]))
    assert response.status == 400 and response.json()["error"]["type"] == "invalid_request_error"
    assert (
        response.json()["error"]["message"]
        == "messages.0.content.0: text blocks in user messages cannot carry citations"
    )


def test_document_in_an_assistant_message_is_rejected(client):
    document = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}
    message = rejected(client, [user(), assistant(document), user()])
    assert message == "messages.1.content.0: document blocks are not permitted in assistant messages"


def test_thinking_issued_by_the_simulator_verifies_when_sent_back(client, sim):
    sim.queue(ScriptedReply(text="Answer.", thinking="Careful thought."))
    reply = client.messages.create(model=MODEL, max_tokens=256, messages=[user()])
    accepted(client, [user(), reply.to_param(), user(text("And?"))])


def test_modified_thinking_in_the_latest_assistant_turn_is_rejected(client, sim):
    sim.queue(ScriptedReply(text="Answer.", thinking="Careful thought."))
    reply = client.messages.create(model=MODEL, max_tokens=256, messages=[user()])
    turn = reply.to_param()
    turn["content"] = [{**reply.content[0].model_dump(), "thinking": "Edited thought."}, *turn["content"][1:]]
    message = rejected(client, [user(), turn, user(text("And?"))])
    assert message == (
        "messages.1.content.0: `thinking` or `redacted_thinking` blocks in the latest assistant message cannot "
        "be modified. These blocks must remain as they were in the original response."
    )


def test_a_forged_signature_in_an_earlier_turn_is_rejected(client):
    forged = {"type": "thinking", "thinking": "", "signature": "SimAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
    messages = [user(), assistant(forged, text("a")), user(), assistant(text("b")), user()]
    assert rejected(client, messages) == "messages.1.content.0.signature: Invalid `signature` in `thinking` block"


def test_a_real_api_signature_from_a_recording_is_left_to_the_real_api(client):
    # Only the real API holds the key for its own signatures; recorded chats must replay here.
    recorded = {"type": "thinking", "thinking": "", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}
    accepted(client, [user(), assistant(recorded, text("a")), user()])


def test_redacted_thinking_must_be_the_data_the_simulator_issued(client, sim):
    sim.queue(ScriptedReply(content=({"type": "redacted_thinking"}, text("Answer."))))
    reply = client.messages.create(model=MODEL, max_tokens=256, messages=[user()])
    accepted(client, [user(), reply.to_param(), user()])
    tampered = assistant({"type": "redacted_thinking", "data": reply.content[0].data[:-4] + "AAA="}, text("Answer."))
    assert "cannot be modified" in rejected(client, [user(), tampered, user()])
