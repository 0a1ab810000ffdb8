"""The session's transcript and usage ledger with their export methods (pandas and matplotlib imported on use)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .core.transcript import Transcript
from .core.usage import Ledger

if TYPE_CHECKING:
    from pathlib import Path

    import matplotlib.figure
    import pandas

    from .ui.usage_table import UsageSummary


class UsageLedger(Ledger):
    """The per-call ledger, exportable to pandas and plotted as the cache and cost dashboard."""

    def to_dataframe(self) -> pandas.DataFrame:
        from .export import usage_frame

        return usage_frame(self)

    def summary(self, caption: str = "") -> UsageSummary:
        """Calls, tokens, cache hit rate and cost by chat and model, with a totals row; `.frame` is every column."""
        from .ui.usage_table import UsageSummary

        snapshot = UsageLedger()  # the summary and its .frame hold the same calls, whatever runs later
        snapshot.records = list(self.records)
        return UsageSummary(snapshot.records, snapshot.to_dataframe, caption)

    def plot(self) -> matplotlib.figure.Figure:
        """The cache and cost dashboard as a static matplotlib Figure."""
        from .ui.dashboard import dashboard_figure

        return dashboard_figure(self)


class SessionTranscript(Transcript):
    """The session's chats, exportable to pandas, JSON Lines, JSON, Markdown, CSV and Parquet, and reloadable."""

    def to_dataframe(self, chat: str | None = None) -> pandas.DataFrame:
        """One row per message; `chat=None` means every chat."""
        from .export import transcript_frame

        return transcript_frame(self, chat)

    def to_json(self, path: str | os.PathLike[str], chat: str | None = None) -> Path:
        """Write JSON Lines, lossless: enough to rebuild the exact request history."""
        from .transcript_io import write_jsonl

        return write_jsonl(self, path, chat)

    def to_markdown(self, chat: str | None = None) -> str:
        from .core.records import transcript_markdown

        return transcript_markdown(self, chat)

    def export(self, path: str | os.PathLike[str], chat: str | None = None) -> Path:
        """Write in the format named by the extension: .jsonl, .json, .md, .csv or .parquet."""
        from .transcript_io import export

        return export(self, path, chat)

    def load(self, path: str | os.PathLike[str]) -> list[str]:
        """Restore chats from JSON Lines (replacing chats of the same name); returns their names."""
        from .transcript_io import read_exchanges, restore

        return restore(self, read_exchanges(path))
