"""What a %%claude output keeps about the calls that made it, in its output metadata, and how it is read back.

Each output carries `metadata["claude_magic"] = {"version": 1, "calls": [...], "cost_usd": ...}`:
per call the model, request id, token counts, cost, cache hit rate and the replay key (the
fingerprint a record/replay file stores the reply under), and `context`: the notebook context items the
cell sent, by name with their tokens (`with_context`). Never prompt text, a value, a key or a header.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .usage import CallRecord

METADATA_KEY = "claude_magic"
PROVENANCE_VERSION = 1
TOKEN_FIELDS = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens")


# The ledger columns an output keeps: no timing, no prompt text.
PROVENANCE_FIELDS = (
    "call", "chat", "model", "request_id", *TOKEN_FIELDS,
    "cost_usd", "hit_rate", "replay_key", "error", "kind", "requests",
)  # fmt: skip


def call_provenance(record: CallRecord, replay_key: str | None = None) -> dict[str, Any]:
    """One call (or one Message Batch's row) as the output metadata keeps it; the key defaults to the record's."""
    row = record.as_row()
    return {name: row[name] for name in PROVENANCE_FIELDS} | {"replay_key": replay_key or record.replay_key}


def output_metadata(calls: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The metadata of one output made by `calls`; the cost is None when any call's cost is unknown."""
    total = CellAudit(0, tuple(calls)).cost_usd
    return {METADATA_KEY: {"version": PROVENANCE_VERSION, "calls": list(calls), "cost_usd": total}}


def with_context(metadata: dict[str, Any], context: Mapping[str, Any] | None) -> dict[str, Any]:
    """`metadata` naming the notebook context the cell sent (its items' names and tokens, never values)."""
    if not metadata or context is None:
        return metadata
    return {**metadata, METADATA_KEY: {**metadata[METADATA_KEY], "context": dict(context)}}


@dataclass(frozen=True)
class CellAudit:
    """What one notebook cell's outputs say about the calls that made them."""

    cell: int  # 1-based position in the notebook
    calls: tuple[Mapping[str, Any], ...]

    @property
    def cost_usd(self) -> float | None:
        costs = [call.get("cost_usd") for call in self.calls]
        known = [float(cost) for cost in costs if isinstance(cost, (int, float))]
        return sum(known) if len(known) == len(costs) else None

    def tokens(self, field: str) -> int:
        return sum(int(call.get(field) or 0) for call in self.calls)

    @property
    def hit_rate(self) -> float | None:
        read = self.tokens("cache_read_input_tokens")
        total = read + self.tokens("input_tokens") + self.tokens("cache_creation_input_tokens")
        return read / total if total else None

    @property
    def models(self) -> str:
        return ", ".join(sorted({str(call.get("model")) for call in self.calls}))

    def missing_from(self, recorded: set[str]) -> list[Mapping[str, Any]]:
        """The calls whose reply is not in a recording with these fingerprints.

        A Message Batch's row has no replay key (a recording cannot replay a batch), so it is always missing.
        """
        return [call for call in self.calls if call.get("replay_key") not in recorded]


def audit_cells(notebook: Mapping[str, Any]) -> list[CellAudit]:
    """One CellAudit per code cell whose outputs carry claude_magic metadata, in notebook order."""
    audits = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        calls = tuple(_cell_calls(cell.get("outputs", [])))
        if calls:
            audits.append(CellAudit(number, calls))
    return audits


def _cell_calls(outputs: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    seen: set[int] = set()
    for output in outputs:
        kept = (output.get("metadata") or {}).get(METADATA_KEY) or {}
        for call in kept.get("calls", []):
            number = call.get("call")
            if isinstance(call, Mapping) and number not in seen:
                seen.add(number)
                yield call
