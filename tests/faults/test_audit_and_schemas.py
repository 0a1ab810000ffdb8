"""Faults of issue 22: hostile notebooks and recordings given to the audit gate, schemas the API refuses or
cannot resolve, replies `-f json` cannot parse, and header values in the SDK's debug log records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# -- 20: python -m claude_magic.audit is a gate ---------------------------------------------------------------------


def _call(cost: Any = 0.25, **fields: Any) -> dict[str, Any]:
    row = {"call": 1, "chat": "default", "model": "claude-sonnet-5-5", "request_id": "req_1", "input_tokens": 10}
    return row | {"output_tokens": 5, "cost_usd": cost, "hit_rate": 0.0, "replay_key": "k1", "error": None} | fields


def _cell(*calls: Any) -> dict[str, Any]:
    output = {"output_type": "display_data", "data": {}, "metadata": {"claude_magic": {"version": 1, "calls": calls}}}
    return {"cell_type": "code", "source": "%%claude\nhi", "metadata": {}, "outputs": [output]}


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_NOTEBOOKS: dict[str, str | bytes] = {
    "cells a string": json.dumps({"cells": "abc"}),
    "cells null": json.dumps({"cells": None}),
    "a cell a number": json.dumps({"cells": [7]}),
    "outputs a string": json.dumps({"cells": [{"cell_type": "code", "outputs": "oops"}]}),
    "outputs a list of lists": json.dumps({"cells": [{"cell_type": "code", "outputs": [[1, 2]]}]}),
    "metadata a list": json.dumps({"cells": [{"outputs": [{"metadata": [1]}]}]}),
    "provenance a string": json.dumps({"cells": [{"outputs": [{"metadata": {"claude_magic": "x"}}]}]}),
    "calls not a list": json.dumps({"cells": [{"outputs": [{"metadata": {"claude_magic": {"calls": 5}}}]}]}),
    "calls not objects": json.dumps({"cells": [_cell("a", 3)]}),
    "tokens a string": json.dumps({"cells": [_cell(_call(input_tokens="many"))]}),
    "tokens negative": json.dumps({"cells": [_cell(_call(output_tokens=-3))]}),
    "100,000-deep nesting": '{"cells": ' + _deep(100_000) + "}",
    "100,000-deep metadata": '{"cells": [{"outputs": [{"metadata": ' + _deep(100_000) + "}]}]}",
    "a 5,000-digit integer": '{"cells": [], "n": ' + "9" * 5000 + "}",
    "binary": bytes(range(256)) * 4,
}
FORGED_COSTS = {"negative": -5, "NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "true": "true"}


def _audit(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "claude_magic.audit", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _refused(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert len(done.stderr.strip()) <= 300 + len("audit: ")
    assert "total" not in done.stdout


def _write(tmp_path: Path, content: str | bytes, name: str = "hostile.ipynb") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize("case", list(HOSTILE_NOTEBOOKS))
def test_a_notebook_of_the_wrong_shape_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    _refused(_audit(str(_write(tmp_path, HOSTILE_NOTEBOOKS[case]))))


@pytest.mark.parametrize("case", list(FORGED_COSTS))
def test_a_forged_cost_is_refused_not_totalled(tmp_path: Path, case: str) -> None:
    text = json.dumps({"cells": [_cell(_call(0.5)), _cell(_call("FORGED"))]})
    done = _audit(str(_write(tmp_path, text.replace('"FORGED"', str(FORGED_COSTS[case])))))
    _refused(done)
    assert "cost_usd" in done.stderr


def test_costs_that_overflow_when_summed_are_refused(tmp_path: Path) -> None:
    text = json.dumps({"cells": [_cell(_call(1e308)), _cell(_call(1e308))]})
    _refused(_audit(str(_write(tmp_path, text))))


def test_an_honest_notebook_still_totals(tmp_path: Path) -> None:
    done = _audit(str(_write(tmp_path, json.dumps({"cells": [_cell(_call(0.5)), _cell(_call(1))]}))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split()[-1] == "$1.50"


@pytest.mark.parametrize("content", [bytes(range(256)) * 4, '{"fingerprint": "k1"}\n' + _deep(100_000) + "\n"])
def test_a_hostile_recording_is_refused_in_one_line(tmp_path: Path, content: str | bytes) -> None:
    notebook = _write(tmp_path, json.dumps({"cells": [_cell(_call(0.5))]}))
    _refused(_audit(str(notebook), "--check-replay", str(_write(tmp_path, content, "rec.jsonl"))))


@pytest.mark.parametrize("case", ["cells a string", "100,000-deep nesting", "binary"])
def test_claude_audit_in_a_shell_is_the_same_one_line(run, tmp_path: Path, case: str) -> None:
    path = _write(tmp_path, HOSTILE_NOTEBOOKS[case])
    result, captured = run(f"%claude audit {path}")
    error = result.error_in_exec
    assert error is not None and "Traceback" not in captured.stdout + captured.stderr
    assert error._render_traceback_() == [f"TranscriptFileError: {error.message}"] and "\n" not in error.message


def test_a_forged_cost_in_a_shell_is_one_line(run, tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({"cells": [_cell(_call(True))]}))
    result, _ = run(f"%claude audit {path}")
    assert "cost_usd" in result.error_in_exec.message
