"""Server tools in the default reply: web_search and web_fetch calls, their result blocks, citations and usage."""

from __future__ import annotations

from typing import Any

import anthropic

from .helpers import MODEL

SEARCH = {"type": "web_search_20250305", "name": "web_search"}
FETCH = {"type": "web_fetch_20250910", "name": "web_fetch"}
QUESTION = [{"role": "user", "content": "What is the tallest tower in Paris?"}]


def create(client: anthropic.Anthropic, messages: Any = QUESTION, **kwargs: Any) -> Any:
    return client.messages.create(model=MODEL, max_tokens=1024, messages=messages, **kwargs)


def kinds(message: Any) -> list[str]:
    return [b.type for b in message.content if b.type != "thinking"]


def test_web_search_streams_a_call_its_results_and_cited_text(client):
    with client.messages.stream(model=MODEL, max_tokens=1024, messages=QUESTION, tools=[SEARCH]) as stream:
        query_json = "".join(e.partial_json for e in stream if e.type == "input_json")
        final = stream.get_final_message()
    assert kinds(final) == ["text", "server_tool_use", "web_search_tool_result", "text"]
    use, result, answer = [b for b in final.content if b.type != "thinking"][1:]
    assert use.id.startswith("srvtoolu_01") and use.name == "web_search"
    assert use.input == {"query": "What is the tallest tower in Paris?"} and '"query"' in query_json
    assert result.tool_use_id == use.id and 2 <= len(result.content) <= 3
    for found in result.content:
        assert found.type == "web_search_result" and ".example." in found.url
        assert found.title and found.encrypted_content and found.page_age
    citation = answer.citations[0]
    assert citation.type == "web_search_result_location" and citation.url == result.content[0].url
    assert citation.title == result.content[0].title and citation.encrypted_index and citation.cited_text
    assert final.stop_reason == "end_turn"
    assert final.usage.server_tool_use.web_search_requests == 1
    assert final.usage.server_tool_use.web_fetch_requests == 0


def test_search_results_are_deterministic_per_query(client):
    first = create(client, tools=[SEARCH]).content
    again = create(client, tools=[SEARCH]).content
    other = create(client, messages=[{"role": "user", "content": "Who built it?"}], tools=[SEARCH]).content
    results = [next(b for b in c if b.type == "web_search_tool_result").content for c in (first, again, other)]
    assert results[0] == results[1]
    assert {r.url for r in results[0]}.isdisjoint(r.url for r in results[2])


def test_searches_beyond_max_uses_get_the_error_result(client):
    messages = [{"role": "user", "content": "How tall is it? When was it built?"}]
    reply = create(client, messages=messages, tools=[{**SEARCH, "max_uses": 1}])
    uses = [b for b in reply.content if b.type == "server_tool_use"]
    assert [u.input["query"] for u in uses] == ["How tall is it?", "When was it built?"]
    ok, failed = (b.content for b in reply.content if b.type == "web_search_tool_result")
    assert ok[0].type == "web_search_result"
    assert failed.type == "web_search_tool_result_error" and failed.error_code == "max_uses_exceeded"
    assert reply.usage.server_tool_use.web_search_requests == 1


def test_web_fetch_reads_the_url_in_the_prompt(client):
    messages = [{"role": "user", "content": "Summarise https://example.com/report.html please."}]
    reply = create(client, messages=messages, tools=[SEARCH, FETCH])
    assert kinds(reply) == ["text", "server_tool_use", "web_fetch_tool_result", "text"]
    use = next(b for b in reply.content if b.type == "server_tool_use")
    assert use.name == "web_fetch" and use.input == {"url": "https://example.com/report.html"}
    fetched = next(b for b in reply.content if b.type == "web_fetch_tool_result")
    assert fetched.tool_use_id == use.id and fetched.content.type == "web_fetch_result"
    assert fetched.content.url == "https://example.com/report.html" and fetched.content.retrieved_at
    document = fetched.content.content
    assert document.type == "document" and document.title
    assert document.source.type == "text" and document.source.media_type == "text/plain"
    assert "https://example.com/report.html" in document.source.data
    assert reply.usage.server_tool_use.web_fetch_requests == 1
    assert reply.usage.server_tool_use.web_search_requests == 0


def test_fetches_beyond_max_uses_get_the_error_result(client):
    messages = [{"role": "user", "content": "Compare https://a.example.com and https://b.example.com."}]
    reply = create(client, messages=messages, tools=[{**FETCH, "max_uses": 1}])
    ok, failed = (b.content for b in reply.content if b.type == "web_fetch_tool_result")
    assert ok.type == "web_fetch_result"
    assert failed.type == "web_fetch_tool_result_error" and failed.error_code == "max_uses_exceeded"
    assert reply.usage.server_tool_use.web_fetch_requests == 1


def test_web_fetch_without_a_url_answers_in_plain_text(client):
    reply = create(client, tools=[FETCH])
    assert kinds(reply) == ["text"] and reply.usage.server_tool_use.web_fetch_requests == 0


def test_tool_choice_none_searches_nothing(client):
    reply = create(client, tools=[SEARCH], tool_choice={"type": "none"})
    assert kinds(reply) == ["text"] and reply.usage.server_tool_use.web_search_requests == 0


def test_a_searched_reply_goes_back_as_history(client):
    first = create(client, tools=[SEARCH])
    messages = [*QUESTION, first.to_param(), {"role": "user", "content": "Thanks. And its height?"}]
    second = create(client, messages=messages, tools=[SEARCH])
    assert second.stop_reason == "end_turn"
    assert next(b for b in second.content if b.type == "server_tool_use").input == {"query": "And its height?"}
