"""Versioned records: exact round trips, and loading that names the bad line and never half-loads."""

from __future__ import annotations

import json

import pytest

from claude_magic.core.errors import TranscriptFileError
from claude_magic.core.records import (
    FORMAT_VERSION,
    dumps,
    exchange_from_record,
    exchange_record,
    failed_record,
    message_rows,
    parse_lines,
    transcript_markdown,
)
from claude_magic.core.transcript import Exchange, Reply, Transcript
from claude_magic.core.usage import Usage

THINKING = {"type": "thinking", "thinking": "Consider <b>it</b>.", "signature": "c2lnbmF0dXJl=="}


def make_exchange(prompt: str = "Explain χ² tests", text: str = "A reply.") -> Exchange:
    reply = Reply(
        text=text,
        thinking="Consider <b>it</b>.",
        citations=({"type": "char_location", "cited_text": "x", "document_index": 0},),
        usage=Usage(input_tokens=10, cache_read_input_tokens=3, cache_write_1h_tokens=4, output_tokens=7),
        stop_reason="end_turn",
        model="claude-sonnet-5-5",
        message_id="msg_1",
        request_id="req_1",
        content=(THINKING, {"type": "text", "text": text}),
        cost_usd=0.00123,
        chat="stats",
    )
    attachment = {"name": "df", "kind": "table", "bytes": 120, "tokens": 40}
    user = ({"type": "text", "text": "table", "cache_control": {"type": "ephemeral"}}, {"type": "text", "text": prompt})
    return Exchange(prompt, user, reply, 1_700_000_000.25, (attachment,))


def test_exchange_survives_a_json_round_trip_exactly():
    exchange = make_exchange()
    line = dumps(exchange_record(exchange, "stats"))
    record = json.loads(line)
    assert record["version"] == FORMAT_VERSION and record["kind"] == "exchange"
    assert exchange_from_record(record) == exchange
    assert exchange_from_record(record).turn() == exchange.turn()
    assert record["reply"]["content"][0]["signature"] == "c2lnbmF0dXJl=="


def test_parse_lines_returns_chats_and_skips_failed_calls():
    lines = [
        dumps(exchange_record(make_exchange("one"), "a")),
        "",
        dumps(failed_record("a", "boom", 1.0, None, "API error 400")),
        dumps(exchange_record(make_exchange("two"), "b")),
    ]
    parsed = parse_lines(lines, "t.jsonl")
    assert [(chat, exchange.prompt) for chat, exchange in parsed] == [("a", "one"), ("b", "two")]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ('{"version": 1, "kind": "exchange", "chat"', "t.jsonl, line 2: not valid JSON"),
        ('{"version": 99, "kind": "exchange"}', "t.jsonl, line 2: written by a newer claude_magic (format 99"),
        ('{"version": 1, "kind": "exchange", "chat": "a"}', "t.jsonl, line 2: a malformed exchange record"),
        ("[1, 2]", "t.jsonl, line 2: not a transcript record"),
    ],
)
def test_a_bad_line_is_named_and_nothing_loads(bad, expected):
    good = dumps(exchange_record(make_exchange(), "a"))
    with pytest.raises(TranscriptFileError) as caught:
        parse_lines([good, bad, good], "t.jsonl")
    assert caught.value.message.startswith(expected)
    assert "\n" not in caught.value.message


def test_message_rows_alternate_user_and_assistant():
    transcript = Transcript()
    transcript.chat("a").append(make_exchange("first"))
    transcript.chat("a").append(make_exchange("second"))
    rows = message_rows(transcript)
    assert [(r["turn"], r["role"], r["text"]) for r in rows] == [
        (1, "user", "first"),
        (1, "assistant", "A reply."),
        (2, "user", "second"),
        (2, "assistant", "A reply."),
    ]
    assert rows[0]["attachments"] == [{"name": "df", "kind": "table", "bytes": 120, "tokens": 40}]
    assert rows[0]["output_tokens"] is None and rows[1]["cache_creation_input_tokens"] == 4


def test_markdown_quotes_prompts_and_names_chats():
    transcript = Transcript()
    transcript.chat("a").append(make_exchange("line one\nline two"))
    markdown = transcript_markdown(transcript)
    assert "## Chat `a`" in markdown
    assert "> line one\n> line two" in markdown
    assert "A reply." in markdown and "claude-sonnet-5-5" in markdown
