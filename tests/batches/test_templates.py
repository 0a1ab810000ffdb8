"""Prompt templates and custom_ids: filled without eval, missing columns named, ids valid and unique."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from claude_magic.batches.errors import BatchInputError
from claude_magic.batches.ids import custom_ids
from claude_magic.batches.requests import RowRequests
from claude_magic.batches.service import row_prompts
from claude_magic.batches.template import parse_template

VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_fields_index_and_quoted_column_names_are_filled():
    frame = pd.DataFrame({"text": ["good", "bad"], "the score": [1, 2]}, index=["a", "b"])
    _, prompts, _ = row_prompts(frame, "{{row.Index}}: {{ row.text }} ({{row['the score']}}) {{row.text}}", "df")
    assert prompts == ["a: good (1) good", "b: bad (2) bad"]


def test_values_are_text_not_code():
    frame = pd.DataFrame({"text": ["{{row.text}} __import__('os')"]})
    _, prompts, _ = row_prompts(frame, "Say: {{row.text}}", "df")
    assert prompts == ["Say: {{row.text}} __import__('os')"]


def test_a_missing_column_names_it_and_the_columns_there_are():
    frame = pd.DataFrame({"text": ["x"], "id": [1]})
    with pytest.raises(BatchInputError, match=r"no column 'body' \(columns: text, id\); nothing was sent"):
        row_prompts(frame, "{{row.body}}", "reviews")


def test_an_expression_is_not_a_field():
    with pytest.raises(BatchInputError, match=r"cannot read \{\{row\.text\.upper\(\)\}\}"):
        parse_template("{{row.text.upper()}}")


def test_an_empty_frame_is_refused():
    with pytest.raises(BatchInputError, match="df has no rows; nothing was sent"):
        row_prompts(pd.DataFrame({"text": []}), "{{row.text}}", "df")


def test_a_prompt_without_fields_is_the_same_for_every_row():
    assert parse_template("Hello {x}").fill({}) == "Hello {x}"


def test_valid_unique_labels_are_their_own_ids():
    assert custom_ids([0, 1, 2]) == ["0", "1", "2"]
    assert custom_ids(["a-1", "b_2"]) == ["a-1", "b_2"]


@pytest.mark.parametrize(
    "labels",
    [
        ["a b", "a/b", "é"],
        ["x", "x", "y"],  # duplicates
        ["z" * 100, "z" * 100 + "1"],  # too long, same prefix
        [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")],
        [("a", 1), ("a", 2)],  # a MultiIndex row
    ],
)
def test_other_labels_map_to_valid_unique_stable_ids(labels):
    ids = custom_ids(labels)
    assert all(VALID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids == custom_ids(labels)


def test_rows_split_by_count_and_by_bytes_in_order():
    base = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": []}]}
    rows = RowRequests(base, tuple(str(i) for i in range(10)), tuple("x" * 100 for _ in range(10)))
    assert rows.chunks(range(10), max_requests=4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    by_bytes = rows.chunks(range(10), max_bytes=700)
    assert [p for chunk in by_bytes for p in chunk] == list(range(10)) and len(by_bytes) > 1
    with pytest.raises(BatchInputError, match="over the batch limit"):
        rows.chunks(range(10), max_bytes=50)


def test_a_row_request_is_the_shared_prefix_then_its_prompt():
    shared = {"type": "text", "text": "doc", "cache_control": {"type": "ephemeral"}}
    base = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [shared]}]}
    rows = RowRequests(base, ("a",), ("hi",))
    assert rows.params(0)["messages"][0]["content"] == [shared, {"type": "text", "text": "hi"}]
    assert base["messages"][0]["content"] == [shared]


def test_the_dashboard_marks_batch_rows():
    from claude_magic.core.usage import CallRecord, Ledger, Usage
    from claude_magic.ui.dashboard import series, summary_line

    ledger = Ledger()
    ledger.append(CallRecord(1, "default", "m", 0.0, None, 1.0, Usage(input_tokens=5), 0.1, 0.1, None, None, None))
    batch = CallRecord(2, "batch", "m", 0.0, None, 9.0, Usage(input_tokens=500), 1.0, 1.0, None, None, "b")
    ledger.append(CallRecord(**{**batch.__dict__, "kind": "batch", "requests": 250}))
    assert series(ledger.records).batches == [2]
    assert "1 batch (250 requests, batch prices)" in summary_line(ledger.records)
    assert ledger.rows()[1]["kind"] == "batch" and ledger.rows()[1]["requests"] == 250
