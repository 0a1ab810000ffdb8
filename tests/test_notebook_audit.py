"""Provenance in saved notebooks: `python -m claude_magic.audit` agrees with the ledger of the run that made them.

`audit_against_ledger` is called by tests/test_notebooks.py on every notebook it executes (so each
runs once); the tests here run small notebooks in a real kernel: replay keys and a header canary.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from claude_magic.audit import total_cost
from claude_magic.core.provenance import METADATA_KEY, audit_cells
from claude_magic.core.usage import format_cost

MARK = "# ledger mark (tests/test_notebook_audit.py)"
# After each cell: how many ledger rows exist. claude_magic is only looked at once a cell imported it.
MARK_SOURCE = f"""{MARK}
import sys as _sys
_cm = _sys.modules.get("claude_magic")
globals().setdefault("_ledger_marks", []).append(len(_cm.session().usage) if _cm else 0)"""
LEDGER_SOURCE = """import json, claude_magic
print(json.dumps({"marks": _ledger_marks,
                  "rows": [[r.call, r.cost_usd, r.replay_key] for r in claude_magic.session().usage.records]}))"""


def with_ledger_marks(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with a mark cell after every code cell and a last cell that prints the ledger."""
    marked = nbformat.v4.new_notebook(metadata=nb.metadata)
    for cell in nb.cells:
        marked.cells.append(cell)
        if cell.cell_type == "code":
            marked.cells.append(nbformat.v4.new_code_cell(MARK_SOURCE))
    marked.cells.append(nbformat.v4.new_code_cell(LEDGER_SOURCE))
    return marked


def without_ledger_marks(marked: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
    """The executed notebook as the user's cells alone, and the ledger the last cell printed."""
    *cells, ledger_cell = marked.cells
    ledger = json.loads("".join(o.get("text", "") for o in ledger_cell.outputs if o.output_type == "stream"))
    plain = nbformat.v4.new_notebook(metadata=marked.metadata)
    plain.cells = [cell for cell in cells if not cell.source.startswith(MARK)]
    return plain, ledger


def rows_by_cell(nb: nbformat.NotebookNode, ledger: dict[str, Any]) -> dict[int, list[list[Any]]]:
    """Cell number (1-based, as audit counts) -> the ledger rows made while it ran."""
    code_cells = [number for number, cell in enumerate(nb.cells, start=1) if cell.cell_type == "code"]
    made, before = {}, 0
    for number, after in zip(code_cells, ledger["marks"], strict=True):
        made[number] = ledger["rows"][before:after]
        before = after
    return made


def run_audit(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "claude_magic.audit", str(path), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def audit_against_ledger(marked: nbformat.NotebookNode, saved: Path) -> None:
    """Every row a %claude cell made is in that cell's output metadata; audit's total is the ledger's.

    Rows made from Python (`claude_magic.session().ask(...)`, notebook 01) have no %%claude output
    to carry them, so they are left out of the comparison, and named.
    """
    nb, ledger = without_ledger_marks(marked)
    nbformat.write(nb, saved)
    audited = {audit.cell: [call["call"] for call in audit.calls] for audit in audit_cells(nb)}
    python_rows = []
    for number, rows in rows_by_cell(nb, ledger).items():
        if "%claude" in nb.cells[number - 1].source:
            assert audited.get(number, []) == [row[0] for row in rows], f"cell {number}"
        else:
            assert number not in audited
            python_rows += rows
    carried = [row for row in ledger["rows"] if row not in python_rows]
    costs = [row[1] for row in carried]
    expected = None if None in costs else sum(costs)
    audit_total = total_cost(json.loads(saved.read_text(encoding="utf-8")))
    assert (audit_total is None) == (expected is None)
    assert audit_total is None or abs(audit_total - expected) < 1e-9
    assert sum(len(calls) for calls in audited.values()) == len(carried)
    printed = run_audit(saved)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.splitlines()[-1].split()[-1] == format_cost(expected)


def execute_cells(sources: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """A notebook of these cells run in a real kernel against the simulator, from tmp_path."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "CLAUDE_MAGIC_SIMULATE"):
        monkeypatch.delenv(name, raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    resources = {"metadata": {"path": str(tmp_path)}}
    NotebookClient(nb, timeout=180, kernel_name="python3", resources=resources, allow_errors=True).execute()
    return nb


CANARY = "canary-9f1c2e7b-not-for-any-output"


def test_recorded_cells_carry_keys_the_recording_holds(tmp_path, monkeypatch):
    recording = tmp_path / "x.jsonl"
    nb = execute_cells(
        [
            "%load_ext claude_magic\n%config ClaudeMagics.simulate = True\n"
            f"%config ClaudeMagics.replay = {str(recording)!r}",
            f"%%claude --header X-Canary={CANARY}\nName a prime.",
            "%claude And another?",
        ],
        tmp_path,
        monkeypatch,
    )
    saved = tmp_path / "recorded.ipynb"
    nbformat.write(nb, saved)
    calls = [call for audit in audit_cells(nb) for call in audit.calls]
    keys = [json.loads(line)["fingerprint"] for line in recording.read_text().splitlines()]
    assert [call["replay_key"] for call in calls] == keys and len(keys) == 2
    outputs = json.dumps([cell.outputs for cell in nb.cells])
    assert METADATA_KEY in outputs and CANARY not in outputs and "sk-simulated" not in outputs
    assert run_audit(saved, "--check-replay", str(recording)).returncode == 0
    recording.write_text(recording.read_text().splitlines()[0] + "\n")
    incomplete = run_audit(saved, "--check-replay", str(recording))
    assert incomplete.returncode == 1 and "cell 3: 1 of 1 requests not in the recording" in incomplete.stderr


def test_a_failed_call_is_carried_and_counted(tmp_path, monkeypatch):
    nb = execute_cells(
        [
            "%load_ext claude_magic\n%config ClaudeMagics.simulate = True\nimport claude_magic\n"
            "from claude_magic.simulator import ScriptedError\n"
            "claude_magic.session().connection.simulator.queue(ScriptedError(400, 'invalid_request_error', 'no'))",
            "%%claude\nfail",
        ],
        tmp_path,
        monkeypatch,
    )
    (audit,) = audit_cells(nb)
    (call,) = audit.calls
    assert call["error"] and call["replay_key"] and call["request_id"]
    outputs = [o for o in nb.cells[1].outputs if METADATA_KEY in o.get("metadata", {})]
    assert len(outputs) == 1


def test_the_plain_markdown_view_carries_provenance_too(tmp_path, monkeypatch):
    nb = execute_cells(
        [
            "%load_ext claude_magic\n%config ClaudeMagics.simulate = True\n%config ClaudeMagics.display = 'markdown'",
            "%%claude\nName a prime.",
        ],
        tmp_path,
        monkeypatch,
    )
    carrying = [o for o in nb.cells[1].outputs if METADATA_KEY in o.get("metadata", {})]
    assert len(carrying) == 1 and "text/markdown" in carrying[0]["data"]
    (call,) = carrying[0]["metadata"][METADATA_KEY]["calls"]
    assert call["model"] == "claude-sonnet-5-5" and call["output_tokens"] > 0 and call["cost_usd"] > 0
