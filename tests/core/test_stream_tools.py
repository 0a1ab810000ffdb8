"""Server tool blocks in a real SDK stream (simulator over loopback) become tool events; citations number on."""

from __future__ import annotations

from claude_magic.core.events import CitationAdded, ToolFinished, ToolStarted
from claude_magic.core.stream import StreamState, translate
from claude_magic.simulator import ScriptedReply

SEARCH = (
    {"type": "text", "text": "Let me search."},
    {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "jupyter widgets"}},
    {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_1",
        "content": [
            {
                "type": "web_search_result",
                "url": "https://example.com/a",
                "title": "Widgets A",
                "encrypted_content": "abc",
                "page_age": None,
            },
            {
                "type": "web_search_result",
                "url": "https://example.com/b",
                "title": "Widgets B",
                "encrypted_content": "def",
                "page_age": None,
            },
        ],
    },
    {"type": "text", "text": "Found two."},
)


def stream_of(make_client, script: ScriptedReply, sim, state: StreamState) -> list:
    sim.queue(script)
    request = {"model": "claude-sonnet-5-5", "max_tokens": 256, "messages": [{"role": "user", "content": "search"}]}
    with make_client().messages.stream(**request) as stream:
        return list(translate(stream, state))


def test_a_server_tool_use_and_its_result_become_started_and_finished(make_client, sim):
    events = stream_of(make_client, ScriptedReply(content=SEARCH), sim, StreamState())
    started = [e for e in events if isinstance(e, ToolStarted)]
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert [(e.id, e.name, e.input, e.source) for e in started] == [
        ("srvtoolu_1", "web_search", {"query": "jupyter widgets"}, "server")
    ]
    call = finished[0].call
    assert call.name == "web_search" and call.input == {"query": "jupyter widgets"} and not call.is_error
    assert "Widgets A https://example.com/a" in call.content and "Widgets B" in call.content


def test_a_server_tool_error_is_an_error_call(make_client, sim):
    failing = (
        SEARCH[1],
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_1",
            "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"},
        },
        {"type": "text", "text": "No more searches."},
    )
    events = stream_of(make_client, ScriptedReply(content=failing), sim, StreamState())
    call = next(e for e in events if isinstance(e, ToolFinished)).call
    assert call.is_error and call.content == "error: max_uses_exceeded"


def test_citation_numbers_continue_from_the_base(make_client, sim):
    cited = {
        "type": "char_location",
        "cited_text": "a",
        "document_index": 0,
        "document_title": "d",
        "start_char_index": 0,
        "end_char_index": 1,
    }
    content = ({"type": "text", "text": "Claim.", "citations": [cited]},)
    sim.queue(ScriptedReply(content=content))
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "a b"},
        "citations": {"enabled": True},
    }
    request = {
        "model": "claude-sonnet-5-5",
        "max_tokens": 256,
        "messages": [{"role": "user", "content": [document, {"type": "text", "text": "cite"}]}],
    }
    with make_client().messages.stream(**request) as stream:
        events = list(translate(stream, StreamState(citation_base=3)))
    added = [e for e in events if isinstance(e, CitationAdded)]
    assert [e.number for e in added] == [4]
    assert added[0].marked.endswith("⁴")
