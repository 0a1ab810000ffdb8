"""`%claude batch` under faults: bad job files, batches the API lost, changed frames, --out over data, interrupts.

A real IPython shell (tests/batches/conftest.py) and, for the interrupt, a real kernel; the real SDK
against the simulator's Batches API. Every failure is one line; nothing paid for is dropped.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from claude_magic.core.errors import LINE_CHARS
from tests.batches.conftest import in_tmp  # noqa: F401  (pytest finds fixtures by name)
from tests.batches.test_batch_cells import posts, reviews
from tests.faults.test_kernel_faults import drain, evaluate, execute, kernel, text_of  # noqa: F401

STORE = Path(".claude_magic/batches")


def one_line(result: Any, out: Any, *words: str) -> str:
    """The cell failed with exactly one line of error, saying `words`; no traceback."""
    assert not result.success
    shown = out.stdout + out.stderr
    assert "Traceback" not in shown and 'File "' not in shown, shown
    lines = [line for line in shown.splitlines() if any(word in line for word in words)]
    assert len(lines) == 1 and len(lines[0]) <= LINE_CHARS, shown
    assert all(word in lines[0] for word in words), shown
    return lines[0]


def submitted(run: Any, sim: Any, frame: str = "df", delay_s: float = 30.0, out: str = "r") -> str:
    sim.script_batch(delay_s=delay_s)
    result, _ = run(f'%claude batch {frame} --prompt "{{{{row.text}}}}" --out {out}')
    assert result.success, result.error_in_exec
    return max(STORE.glob("msgbatch_*.json"), key=lambda p: p.stat().st_mtime).stem


# -- 17: job files -------------------------------------------------------------------------------

BAD_FILES = {
    "broken.json": b'{"id": "broken", "frame": ',
    "latin.json": b"\xff\xfe not utf-8",
    "list.json": b"[1, 2, 3]",
    "missing.json": b'{"id": "missing"}',
    "typed.json": b'{"id": "typed", "frame": "df", "out": "r", "model": "m", "ids": [1], "labels": ["0"], '
    b'"batches": ["typed"]}',
    "escape.json": b'{"id": "escape", "frame": "df", "out": "r", "model": "m", "ids": ["0"], "labels": ["0"], '
    b'"batches": ["escape", "../../../v1/files"]}',
    "renamed.json": b'{"id": "other", "frame": "df", "out": "r", "model": "m", "ids": ["0"], "labels": ["0"], '
    b'"batches": ["other"]}',
    "options.json": b'{"id": "options", "frame": "df", "out": "r", "model": "m", "ids": ["0"], "labels": ["0"], '
    b'"batches": ["options"], "options": {"sync": true}}',
    "deep.json": b"[" * 100_000,
}


def test_unreadable_job_files_are_named_and_the_others_still_work(shell, magics, run, sim):
    shell.user_ns["df"] = reviews(3)
    good = submitted(run, sim)
    for name, body in BAD_FILES.items():
        (STORE / name).write_bytes(body)
    (STORE / ".tmp-half.json").write_bytes(b'{"id": "msgbatch_')  # what an interrupted save leaves
    (STORE / "folder.json").mkdir()
    result, out = run("%claude batch list")
    assert result.success, result.error_in_exec
    assert result.result["batch"].tolist() == [good]
    for name in [*BAD_FILES, "folder.json"]:
        [line] = [line for line in out.stdout.splitlines() if name in line]
        assert line.startswith("claude_magic: skipped") and len(line) <= LINE_CHARS
    assert ".tmp-half" not in out.stdout and "Traceback" not in out.stdout + out.stderr
    result, out = run("%claude batch status")  # the latest readable job
    assert result.success, result.error_in_exec
    assert f"batch {good} (df -> r)" in out.stdout
    result, out = run("%claude batch status broken")
    one_line(result, out, "broken.json", "delete or restore")
    assert [r.path for r in sim.requests if "escape" in r.path or "files" in r.path] == []


def test_a_job_id_is_never_a_path(shell, magics, run, sim):
    result, out = run("%claude batch status ../../../etc/passwd")
    one_line(result, out, "is not a batch id")


# -- 18: batches the API no longer has, changed frames, duplicate columns ----------------------------


@pytest.mark.parametrize("action", ["status", "wait", "cancel"])
def test_a_batch_the_api_lost_is_one_line(shell, magics, run, sim, action):
    shell.user_ns["df"] = reviews(3)
    job = submitted(run, sim)
    sim.reset()  # deleted, another workspace, or past retention: the API answers 404
    result, out = run(f"%claude batch {action} {job}")
    one_line(result, out, f"the API has no batch {job}")
    assert "r" not in shell.user_ns["df"].columns and not magics.session.usage.records


def test_retry_after_the_frame_changed_is_one_line(shell, magics, run, sim):
    shell.user_ns["df"] = reviews(4)
    sim.script_batch({"1": "errored"}, delay_s=0.05)
    result, _ = run('%claude batch df --prompt "{{row.text}}" --out r --wait')
    assert result.success, result.error_in_exec
    shell.user_ns["df"] = shell.user_ns["df"].iloc[:2]
    result, out = run("%claude batch retry")
    one_line(result, out, "df changed since batch")
    assert len(posts(sim, "/v1/messages/batches")) == 1


@pytest.mark.parametrize(
    ("columns", "out", "named"), [(["text", "text"], "r", "text"), (["text", "r", "r"], "r", "r")], ids=["read", "out"]
)
@pytest.mark.parametrize("how", ["--wait", "--sync"])
def test_duplicate_column_names_are_one_line(shell, magics, run, sim, columns, out, named, how):
    shell.user_ns["df"] = pd.DataFrame([["a", "b", "c"][: len(columns)]] * 3, columns=columns)
    result, shown = run(f'%claude batch df --prompt "{{{{row.text}}}}" --out {out} {how}')
    one_line(result, shown, f"columns named {named!r}")
    assert not posts(sim, "/v1/messages/batches") and not posts(sim, "/v1/messages")


def test_duplicate_output_columns_added_before_the_join_are_one_line(shell, magics, run, sim):
    shell.user_ns["df"] = reviews(3)
    job = submitted(run, sim, delay_s=0.05)
    shell.user_ns["df"] = shell.user_ns["df"].assign(r_status="x", extra=1).rename(columns={"extra": "r_status"})
    result, out = run(f"%claude batch wait {job}")
    one_line(result, out, "columns named 'r_status'")
    assert not magics.session.usage.records  # not joined, so not recorded: a later wait still can


# -- 19: --out over existing columns ---------------------------------------------------------------


def test_out_refuses_to_replace_the_column_the_prompt_reads(shell, magics, run, sim):
    shell.user_ns["df"] = reviews(3)
    before = shell.user_ns["df"].copy()
    result, out = run('%claude batch df --prompt "Summarise: {{row.text}}" --out text --wait')
    one_line(result, out, "which the prompt reads", "--overwrite")
    assert not posts(sim, "/v1/messages/batches")
    pd.testing.assert_frame_equal(shell.user_ns["df"], before)
    sim.script_batch(delay_s=0.05)
    result, out = run('%claude batch df --prompt "Summarise: {{row.text}}" --out text --wait --overwrite')
    assert result.success, result.error_in_exec
    assert "replaces the data in df column(s) 'text'" in out.stdout
    assert shell.user_ns["df"]["text"].str.contains("You asked").all()  # replaced, as asked
    assert (shell.user_ns["df"]["text_status"] == "succeeded").all()


def test_out_says_which_columns_with_data_it_replaces(shell, magics, run, sim):
    shell.user_ns["df"] = reviews(3).assign(r=["keep me"] * 3, r_error=[None] * 3)
    sim.script_batch(delay_s=0.05)
    result, out = run('%claude batch df --prompt "{{row.text}}" --out r --wait')
    assert result.success, result.error_in_exec
    [line] = [line for line in out.stdout.splitlines() if "replaces" in line]
    assert "'r'" in line and "r_error" not in line  # an empty column holds no data to lose


# -- 16: an interrupt in --sync ----------------------------------------------------------------------


def test_an_interrupted_sync_joins_the_paid_rows_and_stops_run_all(kernel):  # noqa: F811
    manager, client = kernel
    setup = (
        "import pandas as pd\n"
        "df = pd.DataFrame({'text': [f'row {i}' for i in range(8)]})\n"
        "for _ in range(8): sim.queue(ScriptedReply(text='slow ' * 100, delay_s=0.03))"
    )
    execute(client, setup)
    cells = ['%claude batch df --prompt "{{row.text}}" --out reply --sync --concurrency 2', "print('next cell ran')"]
    ids = [client.execute(cell, stop_on_error=True) for cell in cells]
    outputs = drain(client, ids[0], until="request(s)")  # estimated; the rows are going out
    time.sleep(1.0)  # the first rows are streaming (each takes seconds); the kernel is busy, so no polling it
    manager.interrupt_kernel()
    replies = {msg_id: client.get_shell_msg(timeout=60)["content"] for msg_id in ids}
    assert [replies[msg_id]["status"] for msg_id in ids] == ["error", "aborted"]
    outputs += drain(client, ids[0])
    tracebacks = [msg["content"]["traceback"] for msg in outputs if msg["msg_type"] == "error"]
    assert len(tracebacks) == 1 and len(tracebacks[0]) == 1, text_of(outputs)
    assert tracebacks[0][0].startswith("KeyboardInterrupt: --sync was interrupted")
    assert "Traceback" not in text_of(outputs)
    statuses = evaluate(client, "df['reply_status'].value_counts().to_dict()")
    paid = int(evaluate(client, "len(claude_magic.session().usage)"))
    joined = int(evaluate(client, "int((df['reply_status'] != 'canceled').sum())"))
    assert paid >= 1 and joined == paid, statuses  # every paid row is in the frame
    assert "canceled" in statuses
