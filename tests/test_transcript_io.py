"""Transcript export, load-and-continue and autosave through the real SDK against the simulator."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from claude_magic import Session
from claude_magic.core.errors import RequestFailed, TranscriptFileError
from claude_magic.simulator import ScriptedError, ScriptedReply
from tests.conftest import TEST_KEY

CITATION = {"type": "char_location", "cited_text": "Grass", "document_index": 0, "start_char_index": 0}


def converse(session: Session) -> None:
    session.ask("What colour is grass?", show_thinking=True, thinking="adaptive")
    session.ask("And the sky?")
    session.ask("Aside", chat="side")


def test_dataframe_schema(session, sim):
    sim.queue(ScriptedReply(text="Green.", thinking="Look.", citations=(CITATION,)))
    converse(session)
    frame = session.transcript.to_dataframe()
    assert list(frame.columns) == [
        "chat", "turn", "role", "text", "thinking", "citations", "attachments", "model", "stop_reason", "refusal",
        "input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens", "cost_usd",
        "created_at", "message_id", "request_id",
    ]  # fmt: skip
    assert len(frame) == 6
    assert list(frame["role"]) == ["user", "assistant"] * 3
    assert str(frame["turn"].dtype) == "Int64" and str(frame["output_tokens"].dtype) == "Int64"
    assert str(frame["cost_usd"].dtype) == "Float64" and str(frame["text"].dtype) == "string"
    assert isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype)
    user, assistant = frame.iloc[0], frame.iloc[1]
    assert user["text"] == "What colour is grass?" and pd.isna(user["output_tokens"])
    assert assistant["text"] == "Green." and assistant["thinking"] == "Look."
    assert assistant["citations"][0]["cited_text"] == "Grass"
    assert assistant["output_tokens"] > 0 and assistant["request_id"].startswith("req_")
    assert list(session.transcript.to_dataframe(chat="side")["chat"]) == ["side", "side"]


def test_jsonl_round_trip_is_lossless(session, sim, tmp_path):
    converse(session)
    path = session.transcript.to_json(tmp_path / "t.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and all(json.loads(line)["version"] == 1 for line in lines)
    restored = Session(client=session.connection.client)
    assert restored.transcript.load(path) == ["default", "side"]
    for name in ("default", "side"):
        assert restored.transcript.chat(name).exchanges == session.transcript.chat(name).exchanges
    signatures = [b["signature"] for b in restored.transcript.chat().exchanges[0].reply.content if "signature" in b]
    assert signatures and signatures[0]


def test_load_and_continue_sends_the_identical_request(session, sim, make_client, tmp_path):
    converse(session)
    path = session.transcript.to_json(tmp_path / "t.jsonl")
    session.ask("Now summarise.")
    original = sim.requests[-1]
    restored = Session(client=make_client())
    restored.transcript.load(path)
    restored.ask("Now summarise.")
    continued = sim.requests[-1]
    assert continued is not original
    assert continued.raw_body == original.raw_body
    assert [m["role"] for m in continued.body["messages"]] == ["user", "assistant"] * 2 + ["user"]


def test_a_corrupt_file_loads_nothing(session, sim, tmp_path):
    converse(session)
    path = session.transcript.to_json(tmp_path / "t.jsonl")
    path.write_text(path.read_text() + '{"version": 1, "kind": "exch\n', encoding="utf-8")
    fresh = Session(client=session.connection.client)
    with pytest.raises(TranscriptFileError, match=r"t.jsonl, line 4: not valid JSON"):
        fresh.transcript.load(path)
    assert fresh.transcript.chats == {}


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".md", ".csv"])
def test_export_chooses_the_format_by_extension(session, sim, tmp_path, suffix):
    converse(session)
    path = session.transcript.export(tmp_path / f"t{suffix}")
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        assert [r["prompt"] for r in json.loads(text)] == ["What colour is grass?", "And the sky?", "Aside"]
    elif suffix == ".csv":
        frame = pd.read_csv(path)
        assert list(frame["role"]) == ["user", "assistant"] * 3
    elif suffix == ".md":
        assert text == session.transcript.to_markdown() and "> And the sky?" in text
    else:
        assert len(text.splitlines()) == 3


def test_unknown_extension_and_missing_pyarrow_are_one_line(session, tmp_path):
    with pytest.raises(TranscriptFileError, match=r"Cannot export to t.xlsx: use one of \.jsonl"):
        session.transcript.export(tmp_path / "t.xlsx")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(TranscriptFileError, match="Parquet export needs pyarrow"):
            session.transcript.export(tmp_path / "t.parquet")
    else:
        path = session.transcript.export(tmp_path / "t.parquet")
        assert pd.read_parquet(path).columns[0] == "chat"


def test_autosave_appends_each_exchange_and_logs_failures(session, sim, tmp_path):
    session.autosave = str(tmp_path / "auto.jsonl")
    session.ask("first")
    first_line = (tmp_path / "auto.jsonl").read_text(encoding="utf-8")
    sim.queue(ScriptedError(status=400, type="invalid_request_error", message="bad request"))
    with pytest.raises(RequestFailed):
        session.ask("this one fails")
    session.ask("one shot", history=False)
    session.ask("second")
    text = (tmp_path / "auto.jsonl").read_text(encoding="utf-8")
    assert text.startswith(first_line), "earlier lines are never rewritten"
    records = [json.loads(line) for line in text.splitlines()]
    assert [(r["kind"], r["prompt"]) for r in records] == [
        ("exchange", "first"),
        ("failed", "this one fails"),
        ("one_shot", "one shot"),
        ("exchange", "second"),
    ]
    assert "bad request" in records[1]["error"]
    restored = Session(client=session.connection.client)
    restored.transcript.load(tmp_path / "auto.jsonl")
    assert [e.prompt for e in restored.transcript.chat().exchanges] == ["first", "second"]


def test_no_file_contains_the_api_key(session, sim, tmp_path):
    session.autosave = str(tmp_path / "auto.jsonl")
    converse(session)
    for suffix in (".jsonl", ".json", ".md", ".csv"):
        session.transcript.export(tmp_path / f"t{suffix}")
    for path in tmp_path.iterdir():
        text = path.read_text(encoding="utf-8")
        assert TEST_KEY not in text and "x-api-key" not in text.lower() and "authorization" not in text.lower()
