"""What `%claude usage` shows: the ledger summed by chat and model, as an HTML table and as text, with the
full per-call frame one attribute away."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..core.usage import CallRecord
from ..core.usage_summary import FRAME_HINT, HEADERS, SummaryRow, summarise, summary_text
from .safe_html import text_html

if TYPE_CHECKING:
    import pandas


class UsageSummary:
    """Calls, tokens, cache hit rate and cost per chat and model, a totals row, and `.frame` (every column)."""

    def __init__(self, records: Sequence[CallRecord], frame: Callable[[], pandas.DataFrame], caption: str = "") -> None:
        self.rows, self.total = summarise(records)
        self.caption = caption  # e.g. the session's spend and budget
        self._frame = frame

    @property
    def frame(self) -> pandas.DataFrame:
        """The full ledger: one row per API call, every usage column (what `session.usage.to_dataframe()` gives)."""
        return self._frame()

    def __repr__(self) -> str:
        return summary_text(self.rows, self.total, self.caption)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{text_html(name)}</th>" for name in HEADERS)
        body = "".join(_row_html(row) for row in self.rows)
        total = _row_html(self.total, bold=True)
        caption = f"<p>{text_html(self.caption)}</p>" if self.caption else ""
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}{total}</tbody></table>"
        return f"<div class='claude-usage'>{caption}{table}<p><small>{text_html(FRAME_HINT)}</small></p></div>"


def _row_html(row: SummaryRow, *, bold: bool = False) -> str:
    tag = "th" if bold else "td"
    cells = []
    for index, cell in enumerate(row.cells()):
        align = "left" if index < 2 else "right"
        cells.append(f"<{tag} style='text-align: {align}'>{text_html(cell)}</{tag}>")
    return f"<tr>{''.join(cells)}</tr>"
