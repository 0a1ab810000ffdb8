"""Property tests: any file either loads every exchange or raises one TranscriptFileError line, changing nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_magic._transcripts.jsonl import AppendFailed, append_record
from claude_magic._transcripts.session_transcript import SessionTranscript
from claude_magic.core.errors import TranscriptFileError
from claude_magic.core.records import dumps, exchange_record
from claude_magic.core.transcript import Exchange
from tests.core.test_records import make_exchange

BOUNDED = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DELETE = object()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def valid_record(prompt: str = "p", chat: str = "c") -> dict[str, Any]:
    return json.loads(dumps(exchange_record(make_exchange(prompt), chat)))


def field_paths(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict) and key in ("reply", "usage"):
            yield from field_paths(value, (*prefix, key))


PATHS = sorted(field_paths(valid_record()))


@st.composite
def mutated_records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid exchange record with one field, at any depth, replaced by any JSON value or removed."""
    record = valid_record(draw(st.text(max_size=10)), draw(st.text(min_size=1, max_size=5)))
    *parents, leaf = draw(st.sampled_from(PATHS))
    holder = record
    for key in parents:
        holder = holder[key]
    value = draw(json_values | st.just(DELETE))
    if value is DELETE:
        del holder[leaf]
    else:
        holder[leaf] = value
    return record


def snapshot(transcript: SessionTranscript) -> dict[str, list[Exchange]]:
    return {name: list(chat.exchanges) for name, chat in transcript.chats.items()}


def load(path: Path) -> list[Exchange] | None:
    """The exchanges loaded from `path`, or None after a one-line TranscriptFileError that changed nothing."""
    transcript = SessionTranscript()
    transcript.chat("kept").append(make_exchange("kept"))
    before = snapshot(transcript)
    try:
        names = transcript.load(path)
    except TranscriptFileError as error:
        assert "\n" not in error.message and str(path) in error.message, error.message
        assert snapshot(transcript) == before
        return None
    assert names and all(isinstance(name, str) and name for name in names)
    loaded = [e for name in names for e in transcript.chats[name].exchanges]
    for exchange in loaded:
        json.dumps([exchange.turn(), exchange.attachments, exchange.reply.citations])
        assert isinstance(exchange.prompt, str) and exchange.user_content
    return loaded


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("load") / "t.jsonl"


@BOUNDED
@given(lines=st.lists(json_values, max_size=5))
def test_random_json_lines(path, lines):
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    load(path)


@BOUNDED
@given(records=st.lists(mutated_records() | st.builds(valid_record), min_size=1, max_size=4))
def test_records_with_one_field_changed(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    load(path)


@BOUNDED
@given(chunks=st.lists(st.binary(max_size=80) | st.just(dumps(valid_record()).encode() + b"\n"), max_size=5))
def test_random_bytes(path, chunks):
    path.write_bytes(b"".join(chunks))
    load(path)


@BOUNDED
@given(count=st.integers(1, 4), data=st.data())
def test_a_truncated_file_loads_exactly_its_whole_records(path, count, data):
    lines = [dumps(valid_record(f"p{n}")) for n in range(count)]
    whole = "".join(line + "\n" for line in lines).encode("utf-8")
    cut = data.draw(st.integers(0, len(whole)))
    path.write_bytes(whole[:cut])
    ends = [len("".join(line + "\n" for line in lines[: n + 1]).encode()) - 1 for n in range(count)]
    expected = [f"p{n}" for n, end in enumerate(ends) if end <= cut]
    loaded = load(path)
    assert (expected or None) == (loaded and [e.prompt for e in loaded])


@BOUNDED
@given(limits=st.lists(st.integers(0, 300), min_size=1, max_size=30))
def test_appends_through_short_writes_keep_only_whole_lines(path, limits):
    """os.write is replaced by one that writes limits[i] bytes on call i (0: the disk takes nothing)."""
    path.unlink(missing_ok=True)
    real, calls, kept = os.write, iter(limits), []

    def write(fd: int, chunk: bytes) -> int:
        count = next(calls, len(chunk))
        return real(fd, bytes(chunk)[:count]) if count else 0

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "write", write)
        for n in range(4):
            try:
                append_record(path, valid_record(f"p{n}"))
                kept.append(f"p{n}")
            except AppendFailed:
                pass
    text = path.read_text(encoding="utf-8")
    assert text == "".join(dumps(valid_record(prompt)) + "\n" for prompt in kept)
    assert [e.prompt for e in load(path) or []] == kept
