"""`%claude batch` in a real IPython shell, the real SDK against the simulator's batches endpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pandas as pd
import pytest
from pydantic import BaseModel

from claude_magic import Session
from claude_magic.core.models import BATCH_DISCOUNT, lookup
from claude_magic.core.usage import cost_usd
from claude_magic.ipython.magics import ClaudeMagics
from claude_magic.simulator import ScriptedError, ScriptedReply

ROWS = 500


class Label(BaseModel):
    sentiment: Literal["positive", "negative", "neutral"]
    confidence: float
    stars: int


def reviews(n: int = ROWS) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"review number {i}" for i in range(n)]}, index=pd.RangeIndex(100, 100 + n))


def posts(sim, path: str) -> list:
    return [r for r in sim.requests if r.method == "POST" and r.path == path]


def restart(shell, old: ClaudeMagics, make_client) -> ClaudeMagics:
    """A new kernel: a new session and magics; the notebook's cells re-create the frame and the schema."""
    while old in shell.configurables:
        shell.configurables.remove(old)
    shell.user_ns.pop("df", None)
    shell.user_ns.pop("Label", None)
    fresh = ClaudeMagics(shell=shell, session=Session(client=make_client()))
    shell.register_magics(fresh)
    shell.user_ns.update(df=reviews(), Label=Label)
    return fresh


def test_500_rows_with_errors_and_expiries_survive_a_restart_and_join_typed(shell, magics, run, sim, make_client):
    shell.user_ns.update(df=reviews(), Label=Label)
    outcomes = {"103": "errored", "107": "expired", "110": ScriptedError(529, "overloaded_error", "Overloaded")}
    sim.script_batch(outcomes, delay_s=1.5)
    result, out = run('%claude batch df --prompt "Classify the sentiment of: {{row.text}}" --out label --schema Label')
    assert result.success, result.error_in_exec
    assert "500 request(s)" in out.stdout and "batch prices" in out.stdout
    [saved] = list(Path(".claude_magic/batches").glob("*.json"))
    job_id = saved.stem
    assert "df" not in shell.user_ns or "label_status" not in shell.user_ns["df"].columns  # returned at once

    fresh = restart(shell, magics, make_client)
    try:
        result, out = run(f"%claude batch resume {job_id}")
        assert result.success, result.error_in_exec
        frame = shell.user_ns["df"]
        assert str(frame["label_sentiment"].dtype) == "category"
        assert str(frame["label_stars"].dtype) == "Int64" and str(frame["label_confidence"].dtype) == "Float64"
        status = frame["label_status"]
        assert status.loc[103] == "errored" and status.loc[110] == "errored" and status.loc[107] == "expired"
        assert (status == "succeeded").sum() == ROWS - 3
        assert frame["label_error"].loc[110] == "overloaded_error: Overloaded"
        assert frame["label_error"].loc[107].startswith("expired")
        assert frame["label_sentiment"].loc[[103, 107, 110]].isna().all()
        assert set(frame["label_sentiment"].dropna()) <= {"positive", "negative", "neutral"}
        assert len(posts(sim, "/v1/messages/batches")) == 1 and not posts(sim, "/v1/messages")
        created = posts(sim, "/v1/messages/batches")[0].body["requests"]
        assert created[0]["custom_id"] == "100"
        prompt = created[5]["params"]["messages"][0]["content"][-1]["text"]
        assert prompt == "Classify the sentiment of: review number 5"

        [record] = fresh.session.usage.records
        assert record.kind == "batch" and record.requests == ROWS and record.message_id == job_id
        prices = lookup(record.model).prices
        assert record.cost_usd == pytest.approx(cost_usd(record.usage, prices) * BATCH_DISCOUNT)
        assert record.usage.output_tokens > 0
        assert fresh.session.usage.rows()[0]["kind"] == "batch"

        result, out = run(f"%claude batch retry {job_id} --wait")
        assert result.success, result.error_in_exec
        retried = posts(sim, "/v1/messages/batches")[1].body["requests"]
        assert sorted(r["custom_id"] for r in retried) == ["103", "107", "110"]
        frame = shell.user_ns["df"]
        assert (frame["label_status"] == "succeeded").all() and frame["label_error"].isna().all()
        assert frame["label_stars"].notna().all()
        assert [r.requests for r in fresh.session.usage.records] == [ROWS, 3]
        stored = json.loads(saved.read_text())
        assert len(stored["batches"]) == 2 and stored["joined"] == stored["batches"]
    finally:
        while fresh in shell.configurables:
            shell.configurables.remove(fresh)


def test_a_cap_the_estimate_crosses_sends_nothing(shell, magics, run, sim):
    shell.user_ns["df"] = reviews(50)
    result, _ = run('%claude batch df --prompt "{{row.text}}" --out x --max-tokens 4000 --max-cost 0.001')
    assert not result.success
    assert "over --max-cost $0.0010; nothing was sent" in str(result.error_in_exec)
    assert not posts(sim, "/v1/messages/batches") and not posts(sim, "/v1/messages")
    assert {r.path for r in sim.requests} <= {"/v1/messages/count_tokens"}
    assert not Path(".claude_magic").exists()
    assert "x" not in shell.user_ns["df"].columns


def test_a_batch_and_a_cell_read_one_budget_the_sessions(shell, magics, run, sim):
    shell.user_ns["df"] = reviews(50)
    magics.session.budget_usd = 0.001  # set on the session (claude_magic.session()), not through %config
    result, _ = run('%claude batch df --prompt "{{row.text}}" --out x --max-tokens 4000')
    assert not result.success and "over the $0.0010 budget" in str(result.error_in_exec)
    assert not posts(sim, "/v1/messages/batches")
    cell, _ = run("%claude --max-tokens 4000 hello")
    assert not cell.success and "over the $0.0010 budget" in str(cell.error_in_exec)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('%claude batch df --prompt "{{row.body}}" --out x', "no column 'body' (columns: text)"),
        ('%claude batch empty --prompt "{{row.text}}" --out x', "empty has no rows"),
        ('%claude batch df --prompt "{{row.text}}" --out x --sync --concurrency 0', "--concurrency must be 1 or more"),
        ('%claude batch nope --prompt "{{row.text}}" --out x', "no DataFrame named 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_sends_nothing(shell, magics, run, sim, line, words):
    shell.user_ns.update(df=reviews(3), empty=reviews(0))
    result, _ = run(line)
    assert not result.success and words in str(result.error_in_exec)
    assert not sim.requests


def test_a_frame_over_the_limits_goes_as_several_batches(shell, magics, run, sim, monkeypatch):
    from claude_magic.batches import requests

    monkeypatch.setattr(requests, "MAX_REQUESTS", 200)
    shell.user_ns["df"] = reviews(500)
    result, out = run('%claude batch df --prompt "{{row.text}}" --out reply --wait')
    assert result.success, result.error_in_exec
    assert "as 3 batches" in out.stdout
    sizes = [len(r.body["requests"]) for r in posts(sim, "/v1/messages/batches")]
    assert sizes == [200, 200, 100]
    frame = shell.user_ns["df"]
    assert (frame["reply_status"] == "succeeded").all() and frame["reply"].notna().all()
    assert [r.requests for r in magics.session.usage.records] == [200, 200, 100]


def test_sync_rows_survive_429s_and_529s_with_one_ledger_row_each(shell, run, sim, make_client):
    magics = ClaudeMagics(shell=shell, session=Session(client=make_client(max_retries=4)))
    shell.register_magics(magics)
    try:
        shell.user_ns["df"] = reviews(40)
        for status, kind in [(429, "rate_limit_error"), (529, "overloaded_error")] * 3:
            sim.queue(ScriptedError(status, kind, "slow down", retry_after_ms=20))
        result, _ = run('%claude batch df --prompt "{{row.text}}" --out reply --sync --concurrency 8')
        assert result.success, result.error_in_exec
        frame = shell.user_ns["df"]
        assert (frame["reply_status"] == "succeeded").all()
        assert frame["reply"].str.contains('You asked: "review number 39"').tolist() == [False] * 39 + [True]
        records = magics.session.usage.records
        assert len(records) == 40 and all(r.error is None and r.kind == "call" for r in records)
        assert len(posts(sim, "/v1/messages")) == 46  # every row once, plus the six refused attempts
    finally:
        while magics in shell.configurables:
            shell.configurables.remove(magics)


def test_a_batch_line_keeps_row_fields_and_a_prompt_line_still_expands(shell, magics, run, sim):
    shell.user_ns.update(df=reviews(2), x=42)
    sim.queue(ScriptedReply(text="ok"))
    result, _ = run("%claude -- what is {x}?")
    assert result.success, result.error_in_exec
    assert posts(sim, "/v1/messages")[-1].body["messages"][-1]["content"][-1]["text"] == "what is 42?"
    result, _ = run('%claude batch df --prompt "{x} and {{row.text}}" --out r --wait')
    assert result.success, result.error_in_exec
    sent = posts(sim, "/v1/messages/batches")[0].body["requests"][0]["params"]["messages"][0]["content"][-1]
    assert sent["text"] == "{x} and review number 0"


def test_list_status_and_cancel(shell, magics, run, sim):
    shell.user_ns["df"] = reviews(5)
    sim.script_batch(delay_s=30)
    run('%claude batch df --prompt "{{row.text}}" --out r')
    [saved] = list(Path(".claude_magic/batches").glob("*.json"))
    result, out = run(f"%claude batch status {saved.stem}")
    assert result.success and "in progress" in out.stdout and "5 processing" in out.stdout
    result, _ = run("%claude batch list")
    assert result.success and result.result["batch"].tolist() == [saved.stem]
    result, out = run(f"%claude batch cancel {saved.stem}")
    assert result.success
    result, out = run(f"%claude batch wait {saved.stem}")
    assert result.success, result.error_in_exec
    assert (shell.user_ns["df"]["r_status"] == "canceled").all()


def test_expansion_still_reads_a_functions_locals_and_the_cell_magic_line(shell, magics, run, sim):
    source = 'def ask():\n    y = "local value"\n    get_ipython().run_line_magic("claude", "-- say {y}")\nask()'
    result, _ = run(source)
    assert result.success, result.error_in_exec
    assert posts(sim, "/v1/messages")[-1].body["messages"][-1]["content"][-1]["text"] == "say local value"
    shell.user_ns["name"] = "expanded"
    result, _ = run("%%claude --chat {name}\nhello")
    assert result.success, result.error_in_exec
    assert "expanded" in magics.session.transcript.chats


def test_outside_a_kernel_wait_joins_once_and_a_second_wait_says_so(shell, magics, run, sim):
    import time

    shell.user_ns["df"] = reviews(4)
    sim.script_batch(delay_s=0.3)
    result, out = run('%claude batch df --prompt "{{row.text}}" --out r')
    assert result.success, result.error_in_exec
    [saved] = list(Path(".claude_magic/batches").glob("*.json"))
    time.sleep(1.0)  # the batch ended; a plain shell has no loop to hand the join to
    assert "r" not in shell.user_ns["df"].columns
    result, out = run(f"%claude batch wait {saved.stem}")
    assert result.success and "joined from batch" in out.stdout
    result, out = run(f"%claude batch resume {saved.stem}")
    assert result.success, result.error_in_exec
    assert f"batch {saved.stem} is already joined into df['r']; nothing to do" in out.stdout
    assert [record.kind for record in magics.session.usage.records] == ["batch"]
    assert len(posts(sim, "/v1/messages/batches")) == 1


class NotedBar:
    """A progress bar that keeps its closing note."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def update(self, done: int, note: str) -> None:
        pass

    def close(self, note: str) -> None:
        self.notes.append(note)


def test_the_kernel_side_join_puts_its_outcome_on_the_bar(shell, magics, run, sim):
    from claude_magic.ipython.batch_command import runner_for

    shell.user_ns["df"] = reviews(3)
    run('%claude batch df --prompt "{{row.text}}" --out r')
    [saved] = list(Path(".claude_magic/batches").glob("*.json"))
    bar = NotedBar()
    shell.user_ns["df"] = reviews(2)  # the frame changed before the batch ended
    runner_for(magics).auto_join(saved.stem, bar)
    assert bar.notes[-1].startswith("not joined: df changed since batch") and "%claude batch wait" in bar.notes[-1]
    shell.user_ns["df"] = reviews(3)
    runner_for(magics).auto_join(saved.stem, bar)
    assert bar.notes[-1] == "joined 3 rows into df['r'] (3 succeeded)"
    runner_for(magics).auto_join(saved.stem, bar)
    assert bar.notes[-1] == "already joined into df['r']"
    assert [record.kind for record in magics.session.usage.records] == ["batch"]
