"""Chats that never break: after a refusal, tool use, a pause or blank text, the next request is valid.

Each test fails on the first wave's session (the strict simulator answered its next request with
400, or its cost left out billed items).
"""

from __future__ import annotations

import pytest

from claude_magic.core.history import NOT_RUN
from claude_magic.simulator import ScriptedReply

MODEL = "claude-sonnet-5-5"  # $2 in, $2.50 5m write, $4 1h write, $0.10 read, $10 out per million tokens
TOOLS = [{"name": "get_price", "description": "Price of a SKU.", "input_schema": {"type": "object"}}]


def last_body(sim):
    return sim.requests[-1].body


def texts(message):
    return [block.get("text") for block in message["content"] if block.get("type") == "text"]


def test_a_refusal_is_marked_kept_out_of_the_history_and_the_next_cell_works(session, sim):
    sim.queue(ScriptedReply.refusal("cyber", "This request could enable intrusion."))
    refused = session.ask("Write malware.")
    assert refused.refused and refused.text == "" and refused.complete
    assert refused.refusal == "cyber: This request could enable intrusion."
    reply = session.ask("Then explain what a firewall does.")
    assert reply.complete and reply.stop_reason == "end_turn"
    sent = last_body(sim)["messages"]
    assert [m["role"] for m in sent] == ["user"]  # the refused turn is not re-sent
    assert texts(sent[0]) == ["Then explain what a firewall does."]
    assert len(session.transcript.chat().exchanges) == 2  # but the transcript keeps it
    row = session.usage.rows()[0]
    assert row["stop_reason"] == "refusal" and row["refusal"] == "cyber: This request could enable intrusion."


def test_blank_text_blocks_never_go_back(session, sim):
    blank_first = ({"type": "text", "text": "\n\n"}, {"type": "text", "text": "Hello."}, {"type": "text", "text": " "})
    sim.queue(ScriptedReply(content=blank_first))
    session.ask("Greet me.")
    session.ask("Again.")
    assistant = last_body(sim)["messages"][1]
    assert assistant["role"] == "assistant"
    assert [b["text"] for b in assistant["content"] if b["type"] == "text"] == ["Hello."]


def test_a_reply_made_only_of_blank_text_is_left_out_of_the_history(session, sim):
    sim.queue(ScriptedReply(content=({"type": "text", "text": "\n\n"},)))
    session.ask("Say nothing.")
    session.ask("Now say something.")
    assert [m["role"] for m in last_body(sim)["messages"]] == ["user"]


def test_an_unanswered_tool_use_is_answered_with_a_not_run_result(session, sim):
    asked = {"type": "tool_use", "id": "toolu_01PRICE", "name": "get_price", "input": {"sku": "A-1"}}
    sim.queue(ScriptedReply(content=({"type": "text", "text": "Let me look that up."}, asked), stop_reason="tool_use"))
    first = session.ask("Price of A-1?", extra_body={"tools": TOOLS})
    assert first.stop_reason == "tool_use"
    session.ask("Never mind; what is a SKU?", extra_body={"tools": TOOLS})
    user = last_body(sim)["messages"][-1]
    result = user["content"][0]
    assert result == {"type": "tool_result", "tool_use_id": "toolu_01PRICE", "content": NOT_RUN, "is_error": True}
    assert texts(user) == ["Never mind; what is a SKU?"]


def test_a_paused_turn_is_continued_with_the_turn_so_far_as_the_last_message(session, sim):
    search = {"type": "server_tool_use", "id": "srvtoolu_01TIDES", "name": "web_search", "input": {"query": "tides"}}
    sim.queue(ScriptedReply(content=({"type": "text", "text": "Searching."}, search), stop_reason="pause_turn"))
    result = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01TIDES", "content": []}
    sim.queue(ScriptedReply(content=(result, {"type": "text", "text": "Tides follow the moon."})))
    reply = session.ask(
        "Why are there tides?", extra_body={"tools": [{"type": "web_search_20260209", "name": "web_search"}]}
    )
    continuation = last_body(sim)["messages"]
    assert [m["role"] for m in continuation] == ["user", "assistant"]
    assert continuation[-1]["content"][1]["id"] == "srvtoolu_01TIDES"  # the paused turn, sent back unchanged
    assert reply.rounds == 2 and reply.stop_reason == "end_turn"
    assert reply.text == "Searching.Tides follow the moon."
    assert [b["type"] for b in reply.content] == ["text", "server_tool_use", "web_search_tool_result", "text"]
    assert len(session.usage) == 2  # each call is billed, so each is a ledger row
    session.ask("Thanks.")
    assert last_body(sim)["messages"][1]["content"] == list(reply.content)


def test_a_turn_still_paused_after_the_bound_leaves_the_chat_valid(session, sim):
    from claude_magic._session import MAX_CONTINUATIONS

    for round_number in range(MAX_CONTINUATIONS + 1):
        search = {"type": "server_tool_use", "id": f"srvtoolu_{round_number:02d}", "name": "web_search", "input": {}}
        sim.queue(
            ScriptedReply(
                content=({"type": "text", "text": f"Round {round_number}."}, search), stop_reason="pause_turn"
            )
        )
    reply = session.ask(
        "Search forever.", extra_body={"tools": [{"type": "web_search_20260209", "name": "web_search"}]}
    )
    assert reply.stop_reason == "pause_turn" and reply.rounds == MAX_CONTINUATIONS + 1
    session.ask("Stop and summarise.")  # the dangling searches are not re-sent, so this is not a 400
    kept = last_body(sim)["messages"][1]["content"]
    assert [b["type"] for b in kept] == ["text"] * (MAX_CONTINUATIONS + 1)


def test_cost_counts_search_fees_and_compaction_iterations(session, sim):
    compaction = {"type": "compaction", "input_tokens": 100_000, "output_tokens": 2_000}
    compaction |= {"cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    extra = {"server_tool_use": {"web_search_requests": 3, "web_fetch_requests": 1}, "iterations": [compaction]}
    sim.queue(ScriptedReply(text="Done.", output_tokens=50, usage=extra))
    reply = session.ask("Search three times.", model=MODEL)
    usage = reply.usage
    assert (usage.web_search_requests, usage.web_fetch_requests) == (3, 1)
    tokens = (usage.input_tokens * 2 + usage.cache_read_input_tokens * 0.10 + usage.output_tokens * 10) / 1e6
    tokens += (usage.cache_write_5m_tokens * 2.5 + usage.cache_write_1h_tokens * 4) / 1e6
    compacted = (100_000 * 2 + 2_000 * 10) / 1e6  # $0.22: billed beside the top-level counts
    searches = 3 * 10 / 1000  # $10 per 1,000 searches; fetches are free
    assert reply.cost_usd == pytest.approx(tokens + compacted + searches)


def test_search_fees_can_be_overridden(session, sim):
    sim.queue(
        ScriptedReply(text="Done.", usage={"server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 0}})
    )
    session.prices = {"server_tools": {"web_search_requests": 0.5}}
    reply = session.ask("Search twice.", model=MODEL)
    u = reply.usage
    tokens = (u.input_tokens * 2 + u.cache_read_input_tokens * 0.10 + u.output_tokens * 10) / 1e6
    tokens += (u.cache_write_5m_tokens * 2.5 + u.cache_write_1h_tokens * 4) / 1e6
    assert reply.cost_usd == pytest.approx(tokens + 1.0)


def test_the_cache_write_split_comes_from_the_final_usage(session, sim):
    split = {"cache_creation_input_tokens": 5_000, "cache_creation": {"ephemeral_5m_input_tokens": 1_000}}
    split["cache_creation"]["ephemeral_1h_input_tokens"] = 4_000
    sim.queue(ScriptedReply(text="Cached.", usage=split))
    usage = session.ask("Cache this.").usage
    assert (usage.cache_write_5m_tokens, usage.cache_write_1h_tokens) == (1_000, 4_000)


def test_exports_record_the_refusal(session, sim):
    sim.queue(ScriptedReply.refusal("general_harms", "Declined."))
    session.ask("Something harmful.")
    frame = session.transcript.to_dataframe()
    assert frame["refusal"].isna().tolist() == [True, False]  # the user row has none
    assert frame["refusal"].iloc[1] == "general_harms: Declined."
    assert session.usage.to_dataframe()["refusal"].tolist() == ["general_harms: Declined."]



def test_a_continuation_cut_short_is_a_failure_not_a_reply(session, sim):
    from claude_magic import StreamFailed

    search = {"type": "server_tool_use", "id": "srvtoolu_01CUT", "name": "web_search", "input": {"query": "q"}}
    sim.queue(ScriptedReply(content=({"type": "text", "text": "Searching."}, search), stop_reason="pause_turn"))
    sim.queue(ScriptedReply(text="The continuation breaks off " * 20, fail_after_chars=40))
    tools = [{"type": "web_search_20260209", "name": "web_search"}]
    with pytest.raises(StreamFailed):
        session.ask("Why?", extra_body={"tools": tools})
    assert session.transcript.chat().exchanges == []
    assert [row["error"] is None for row in session.usage.rows()] == [True, False]
