"""The record of every agent call (its code's hash, who approved it, how it ended) and the cell the code that ran makes.

The provenance of a call keeps the hash of its code, never the code: output metadata carries no prompt
or model text. The proposed cell is the code itself, for the user to read and keep.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

USER, YES, SESSION = "user", "--yes", "session"  # who approved a call
NOBODY = "nobody"  # no frontend could ask and the cell did not say --yes
APPROVED, DENIED = "approved", "denied"
OK, ERROR, TIMEOUT, INTERRUPTED, NOT_RUN = "ok", "error", "timeout", "interrupted", "not run"


def code_hash(code: str) -> str:
    """SHA-256 of the code as UTF-8 (a lone surrogate, which UTF-8 cannot carry, hashed as its escape)."""
    return hashlib.sha256(code.encode("utf-8", "backslashreplace")).hexdigest()


@dataclass(frozen=True)
class AgentRecord:
    """One `python` tool call: its code, the verdict and by whom, and, once it ran, how it ended."""

    call_id: str
    code: str
    verdict: str  # APPROVED or DENIED
    by: str  # USER, YES, SESSION, or NOBODY for a denial nobody could answer
    outcome: str = NOT_RUN  # OK, ERROR, TIMEOUT or INTERRUPTED once it ran
    duration_s: float = 0.0
    round: int | None = None  # 1-based round of the cell's loop, once known (`with_rounds`)

    @property
    def sha256(self) -> str:
        return code_hash(self.code)

    def ran(self, outcome: str, duration_s: float) -> AgentRecord:
        return replace(self, outcome=outcome, duration_s=duration_s)

    def provenance(self) -> dict[str, Any]:
        """The call as the output's metadata keeps it: no code, its hash."""
        return {
            "call": self.call_id,
            "round": self.round,
            "sha256": self.sha256,
            "verdict": self.verdict,
            "by": self.by,
            "outcome": self.outcome,
            "duration_s": round(self.duration_s, 3),
        }


def with_rounds(records: Iterable[AgentRecord], rounds: Sequence[Sequence[dict[str, Any]]]) -> list[AgentRecord]:
    """Each record with the 1-based round whose assistant content holds its tool_use block (`Loop.rounds`' content)."""
    where = {
        str(block.get("id")): number
        for number, content in enumerate(rounds, 1)
        for block in content
        if block.get("type") == "tool_use"
    }
    return [replace(record, round=where.get(record.call_id, record.round)) for record in records]


def proposed_cell(records: Sequence[AgentRecord]) -> str:
    """The code that ran, in order, as one cell; denied calls and calls that never ran are left out.

    A call that raised, timed out or was interrupted ran only in part: it follows as comments, so that running the
    cell reproduces what completed and stops nowhere. Empty when nothing ran.
    """
    ran = [record for record in records if record.verdict == APPROVED and record.outcome != NOT_RUN]
    if not ran:
        return ""
    left_out = sum(1 for record in records if record.outcome == NOT_RUN)
    header = f"# The code %%claude --agent ran above, in order ({_count(len(ran), 'call')}"
    header += f"; {_count(left_out, 'call')} denied or not run, left out)" if left_out else ")"
    return "\n\n".join([header, *(_section(record) for record in ran)]) + "\n"


def _section(record: AgentRecord) -> str:
    code = record.code.strip("\n")
    if record.outcome == OK:
        return code
    commented = "\n".join(f"# {line}" if line else "#" for line in code.splitlines())
    why = {TIMEOUT: "its time limit", INTERRUPTED: "your interrupt"}.get(record.outcome, "an error")
    return f"# This call stopped on {why}, part way; it is left out:\n{commented}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
