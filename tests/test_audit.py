"""`python -m claude_magic.audit`: the per-cell table, the total and --check-replay, on hand-written notebooks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _call(number: int, cost: float | None, key: str, model: str = "claude-sonnet-5-5") -> dict:
    return {
        "call": number,
        "chat": "default",
        "model": model,
        "request_id": f"req_{number}",
        "input_tokens": 100,
        "cache_read_input_tokens": 300,
        "cache_creation_input_tokens": 0,
        "output_tokens": 20,
        "cost_usd": cost,
        "hit_rate": 0.75,
        "replay_key": key,
        "error": None,
    }


def _output(*calls: dict) -> dict:
    meta = {"claude_magic": {"version": 1, "calls": list(calls), "cost_usd": None}}
    return {"output_type": "display_data", "data": {"text/plain": "panel"}, "metadata": meta}


def _notebook(tmp_path: Path) -> Path:
    cells = [
        {"cell_type": "markdown", "source": "# tour", "metadata": {}},
        {"cell_type": "code", "source": "%%claude\nhi", "outputs": [_output(_call(1, 0.25, "k1"))], "metadata": {}},
        {"cell_type": "code", "source": "x = 1", "outputs": [], "metadata": {}},
        {
            "cell_type": "code",
            "source": "%%claude --tools f\nuse f",
            "outputs": [_output(_call(2, 0.5, "k2"), _call(3, 1.0, "k3"))],
            "metadata": {},
        },
    ]
    path = tmp_path / "tour.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def _audit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_magic.audit", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_prints_a_row_per_claude_cell_and_the_total(tmp_path: Path) -> None:
    done = _audit(str(_notebook(tmp_path)))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["cell", "calls", "model"]
    assert lines[1].split()[:2] == ["2", "1"] and lines[1].rstrip().endswith("$0.2500")
    assert lines[2].split()[:2] == ["4", "2"] and lines[2].rstrip().endswith("$1.50")
    assert lines[3].split()[:2] == ["total", "3"] and lines[3].rstrip().endswith("$1.75")
    assert "75%" in lines[1]


def test_check_replay_fails_naming_the_cell_whose_reply_is_missing(tmp_path: Path) -> None:
    recording = tmp_path / "rec.jsonl"
    recording.write_text("\n".join(json.dumps({"fingerprint": key}) for key in ("k1", "k2")) + "\n{torn")
    done = _audit(str(_notebook(tmp_path)), "--check-replay", str(recording))
    assert done.returncode == 1
    assert "cell 4: 1 of 2 requests not in the recording" in done.stderr
    assert "cell 2" not in done.stderr


def test_check_replay_passes_when_every_request_is_recorded(tmp_path: Path) -> None:
    recording = tmp_path / "rec.jsonl"
    recording.write_text("\n".join(json.dumps({"fingerprint": key}) for key in ("k1", "k2", "k3")))
    done = _audit(str(_notebook(tmp_path)), "--check-replay", str(recording))
    assert done.returncode == 0, done.stderr
    assert "every request is recorded" in done.stderr


def test_an_unknown_cost_makes_the_total_unknown_not_zero(tmp_path: Path) -> None:
    path = tmp_path / "n.ipynb"
    cells = [{"cell_type": "code", "source": "", "metadata": {}, "outputs": [_output(_call(1, None, "k"))]}]
    path.write_text(json.dumps({"cells": cells}))
    done = _audit(str(path))
    assert done.returncode == 0
    assert "$0.0000" not in done.stdout


@pytest.mark.parametrize("content", [None, "{not json", "[1, 2]"])
def test_an_unreadable_notebook_is_one_line(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "bad.ipynb"
    if content is not None:
        path.write_text(content)
    done = _audit(str(path))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_batch_row_counts_its_cost_and_is_never_replayable(tmp_path: Path) -> None:
    batch = {**_call(4, 2.0, "unused"), "replay_key": None, "kind": "batch", "requests": 250}
    path = _notebook(tmp_path)
    notebook = json.loads(path.read_text())
    notebook["cells"][2]["outputs"] = [_output(batch)]
    path.write_text(json.dumps(notebook))
    recording = tmp_path / "rec.jsonl"
    recording.write_text("\n".join(json.dumps({"fingerprint": key}) for key in ("k1", "k2", "k3")))
    done = _audit(str(path), "--check-replay", str(recording))
    assert done.returncode == 1 and done.stdout.splitlines()[-1].split()[-1] == "$3.75"
    assert "cell 3: 1 of 1 requests not in the recording (1 Message Batch row(s)" in done.stderr
