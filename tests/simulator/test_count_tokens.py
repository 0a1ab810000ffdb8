"""POST /v1/messages/count_tokens through the real SDK: validated like Messages, consistent with its usage."""

from __future__ import annotations

import anthropic
import pytest

from .helpers import HELLO, MODEL

TOOL = {"name": "lookup", "description": "Look a word up.", "input_schema": {"type": "object", "properties": {}}}
URL_IMAGE = {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}
FILE_DOC = {"type": "document", "source": {"type": "file", "file_id": "file_011"}}


def test_no_max_tokens_is_needed(client):
    assert client.messages.count_tokens(model=MODEL, messages=HELLO).input_tokens > 0


def test_the_count_equals_the_uncached_input_of_the_same_messages_request(client):
    shape = {
        "model": MODEL,
        "messages": HELLO,
        "system": "Be brief.",
        "tools": [TOOL],
        "thinking": {"type": "adaptive"},
    }
    counted = client.messages.count_tokens(**shape).input_tokens
    usage = client.messages.create(max_tokens=512, **shape).usage
    assert counted == usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens


def test_tools_add_to_the_count(client):
    without = client.messages.count_tokens(model=MODEL, messages=HELLO).input_tokens
    assert client.messages.count_tokens(model=MODEL, messages=HELLO, tools=[TOOL]).input_tokens > without


def test_server_tools_are_refused(client):
    search = {"type": "web_search_20250305", "name": "web_search"}
    with pytest.raises(anthropic.BadRequestError, match="server tool"):
        client.messages.count_tokens(model=MODEL, messages=HELLO, tools=[search])


@pytest.mark.parametrize("block", [URL_IMAGE, FILE_DOC], ids=["url", "file"])
def test_url_and_file_sources_are_refused(client, block):
    messages = [{"role": "user", "content": [block, {"type": "text", "text": "What is this?"}]}]
    with pytest.raises(anthropic.BadRequestError, match="sources are not supported"):
        client.messages.count_tokens(model=MODEL, messages=messages)


def test_an_invalid_conversation_is_refused_as_messages_would(client):
    messages = [{"role": "user", "content": [{"type": "text", "text": "  "}]}]
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(model=MODEL, max_tokens=64, messages=messages)
    with pytest.raises(anthropic.BadRequestError):
        client.messages.count_tokens(model=MODEL, messages=messages)


def test_an_invalid_tool_is_refused(client):
    with pytest.raises(anthropic.BadRequestError, match="input_schema"):
        client.messages.count_tokens(model=MODEL, messages=HELLO, tools=[{"name": "x"}])


def test_manual_thinking_on_a_model_that_refuses_it_is_refused(client):
    with pytest.raises(anthropic.BadRequestError, match=r"thinking\.type\.enabled"):
        client.messages.count_tokens(model=MODEL, messages=HELLO, thinking={"type": "enabled", "budget_tokens": 2048})
