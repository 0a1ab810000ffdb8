"""`python -m claude_magic.audit NOTEBOOK.ipynb [--check-replay RECORDING]`: a saved notebook's cost, per cell.

Reads the provenance each %%claude output keeps in its metadata (core/provenance.py) and prints one
row per cell and the total. With --check-replay, exits 1 when a cell's request has no reply in the
recording, so CI can prove the notebook reruns offline for $0. Needs no SDK and no kernel.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._audit_shape import check_notebook
from .core.errors import ClaudeMagicError, TranscriptFileError
from .core.provenance import CellAudit, audit_cells
from .core.usage import format_cost


class ReplayIncomplete(ClaudeMagicError):
    """`%claude audit --check-replay`: some cell's request has no reply in the recording."""


COLUMNS = ("cell", "calls", "model", "input", "cache read", "output", "hit rate", "cost")


def read_notebook(path: str | Path) -> dict[str, Any]:
    """The notebook's JSON, checked to be of the shape audit reads; anything else is one TranscriptFileError."""
    try:
        with open(path, encoding="utf-8") as file:
            notebook = json.load(file)
    except (OSError, ValueError) as error:  # UnicodeDecodeError and a 4300-digit integer are ValueErrors
        raise TranscriptFileError(f"Could not read notebook {path}: {error}") from None
    except RecursionError:
        raise TranscriptFileError(f"Could not read notebook {path}: its JSON is nested too deeply") from None
    if not isinstance(notebook, dict):
        raise TranscriptFileError(f"{path} is not a notebook (no top-level object).")
    check_notebook(notebook, path)
    return notebook


def recorded_keys(path: str | Path) -> set[str]:
    """The fingerprints of every reply a record/replay file holds."""
    keys: set[str] = set()
    try:
        with open(path, encoding="utf-8") as file:
            for number, line in enumerate(file, start=1):
                entry = _json_line(line, path, number)
                if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str):
                    keys.add(entry["fingerprint"])
    except (OSError, UnicodeDecodeError) as error:
        raise TranscriptFileError(f"Could not read recording {path}: {error}") from None
    return keys


def _json_line(line: str, path: str | Path, number: int) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None  # a torn last line of a recording is not a reply
    except RecursionError:
        raise TranscriptFileError(f"Could not read recording {path}: line {number} is nested too deeply") from None


def table(audits: Sequence[CellAudit]) -> str:
    """The per-cell rows and the total, as an aligned text table."""
    import pandas as pd

    rows = [_row(audit) for audit in audits]
    rows.append(["total", sum(len(a.calls) for a in audits), "", "", "", "", "", format_cost(_total(audits))])
    return pd.DataFrame(rows, columns=list(COLUMNS)).to_string(index=False)


def _row(audit: CellAudit) -> list[object]:
    rate = audit.hit_rate
    return [
        audit.cell,
        len(audit.calls),
        audit.models,
        f"{audit.tokens('input_tokens'):,}",
        f"{audit.tokens('cache_read_input_tokens'):,}",
        f"{audit.tokens('output_tokens'):,}",
        "—" if rate is None else f"{rate:.0%}",
        format_cost(audit.cost_usd),
    ]


def _total(audits: Sequence[CellAudit]) -> float | None:
    costs = [audit.cost_usd for audit in audits]
    if any(cost is None for cost in costs):
        return None
    total = sum(cost or 0.0 for cost in costs)
    if not math.isfinite(total):  # finite costs can still overflow a float when summed
        raise TranscriptFileError(f"the notebook's costs add up past the largest number (${total}); they are forged")
    return total


def total_cost(notebook: dict[str, Any]) -> float | None:
    """The summed cost of every call the notebook's outputs record (None when one is unknown)."""
    return _total(audit_cells(notebook))


def missing_replies(audits: Sequence[CellAudit], recorded: set[str]) -> list[str]:
    """One line per cell whose requests the recording lacks (a Message Batch's row never has a replay key)."""
    lines = []
    for audit in audits:
        missing = audit.missing_from(recorded)
        if missing:
            batches = sum(1 for call in missing if call.get("kind") == "batch")
            note = f" ({batches} Message Batch row(s): a batch cannot be replayed)" if batches else ""
            lines.append(f"cell {audit.cell}: {len(missing)} of {len(audit.calls)} requests not in the recording{note}")
    return lines


def report(notebook: str | Path, recording: str | Path | None = None) -> tuple[str, list[str]]:
    """The table of a saved notebook, and one line per cell the recording lacks (empty without a recording)."""
    audits = audit_cells(read_notebook(notebook))
    recorded = recorded_keys(recording) if recording else None
    text = table(audits) if audits else f"{notebook}: no %%claude outputs with provenance"
    return text, [] if recorded is None else missing_replies(audits, recorded)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claude_magic.audit", description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="a saved .ipynb whose %%%%claude outputs carry provenance")
    parser.add_argument("--check-replay", metavar="RECORDING", help="exit 1 when a request is not in this recording")
    args = parser.parse_args(argv)
    try:
        text, missing = report(args.notebook, args.check_replay)
    except TranscriptFileError as error:
        print(f"audit: {error}", file=sys.stderr)
        return 2
    print(text)
    if not args.check_replay:
        return 0
    for line in missing:
        print(line, file=sys.stderr)
    print("replay: every request is recorded" if not missing else "replay: incomplete", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
