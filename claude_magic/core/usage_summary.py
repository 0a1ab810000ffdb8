"""The usage ledger summed by chat and model, with a totals row, as rounded text cells a reader can scan."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .usage import CallRecord, format_cost

HEADERS = ("chat", "model", "calls", "input tokens", "output tokens", "cache hit rate", "cost")
TOTAL = "total"
FRAME_HINT = "one row per call, every column: .frame"
NAME_CHARS = 40  # a chat or model name (a loaded transcript's, say) is cut to this, on one line


@dataclass(frozen=True)
class SummaryRow:
    """The calls of one chat on one model (or of all of them, for the totals row), summed."""

    chat: str
    model: str
    calls: int = 0
    failed: int = 0
    batches: int = 0  # Message Batches among the calls (one ledger row each, at batch prices)
    input_tokens: int = 0  # uncached, cache reads and cache writes
    cache_read_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0  # of the calls whose price is known
    unpriced: int = 0  # calls whose price is unknown (never counted as $0)

    @property
    def hit_rate(self) -> float | None:
        """Cache reads over all input tokens; None without input."""
        return self.cache_read_tokens / self.input_tokens if self.input_tokens else None

    def plus(self, record: CallRecord) -> SummaryRow:
        """This row with `record` counted in."""
        return SummaryRow(
            chat=self.chat,
            model=self.model,
            calls=self.calls + 1,
            failed=self.failed + (record.error is not None),
            batches=self.batches + record.is_batch,
            input_tokens=self.input_tokens + record.usage.total_input_tokens,
            cache_read_tokens=self.cache_read_tokens + record.usage.cache_read_input_tokens,
            output_tokens=self.output_tokens + record.usage.output_tokens,
            cost_usd=self.cost_usd + (record.cost_usd or 0.0),
            unpriced=self.unpriced + (record.cost_usd is None),
        )

    def cells(self) -> tuple[str, ...]:
        """The row as HEADERS shows it: thousands separators, a whole-percent hit rate, cost in dollars."""
        notes = [f"{self.batches:,} batch{'es' if self.batches > 1 else ''}"] if self.batches else []
        notes += [f"{self.failed:,} failed"] if self.failed else []
        calls = f"{self.calls:,}" + (f" ({', '.join(notes)})" if notes else "")
        hit = _percent(self.hit_rate)
        tokens = (f"{self.input_tokens:,}", f"{self.output_tokens:,}")
        return (_name(self.chat), _name(self.model), calls, *tokens, hit, self.cost())

    def cost(self) -> str:
        """'$0.0123'; 'unknown' when no call's price is known; '$0.0123 + unknown' when some are not."""
        if not self.unpriced:
            return format_cost(self.cost_usd)
        return "unknown" if self.unpriced == self.calls else f"{format_cost(self.cost_usd)} + unknown"


def _percent(rate: float | None) -> str:
    if rate is None:
        return "n/a"
    return "<1%" if 0 < rate < 0.005 else f"{rate:.0%}"


def _name(text: str) -> str:
    # Control and format characters (a newline, a right-to-left override) would break or reorder the table.
    flat = " ".join("".join(c for c in text if unicodedata.category(c)[0] != "C" or c.isspace()).split())
    return flat if len(flat) <= NAME_CHARS else flat[: NAME_CHARS - 1] + "…"


def summarise(records: Iterable[CallRecord]) -> tuple[list[SummaryRow], SummaryRow]:
    """One row per (chat, model) in order of first call, and the totals row over every record."""
    groups: dict[tuple[str, str], SummaryRow] = {}
    total = SummaryRow(TOTAL, "")
    for record in records:
        key = (record.chat, record.model)
        groups[key] = groups.get(key, SummaryRow(*key)).plus(record)
        total = total.plus(record)
    return list(groups.values()), total


def summary_text(rows: Sequence[SummaryRow], total: SummaryRow, caption: str = "") -> str:
    """The rows as an aligned plain-text table: text columns to the left, numbers to the right."""
    table = [HEADERS, *(row.cells() for row in rows), total.cells()]
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADERS))]
    lines = [_aligned(line, widths) for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([*([caption] if caption else []), *lines, FRAME_HINT])


def _aligned(cells: Sequence[str], widths: Sequence[int]) -> str:
    text = [cell.ljust(width) for cell, width in zip(cells[:2], widths[:2], strict=True)]
    numbers = [cell.rjust(width) for cell, width in zip(cells[2:], widths[2:], strict=True)]
    return "  ".join(text + numbers).rstrip()
