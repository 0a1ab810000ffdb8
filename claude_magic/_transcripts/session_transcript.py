"""The session's transcript with its save, load and export methods (pandas imported on use)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..core.transcript import Transcript

if TYPE_CHECKING:
    from pathlib import Path

    import pandas


class SessionTranscript(Transcript):
    """The session's chats, exportable to pandas, JSON Lines, JSON, Markdown, CSV and Parquet, and reloadable."""

    def to_dataframe(self, chat: str | None = None) -> pandas.DataFrame:
        """One row per message; `chat=None` means every chat."""
        from .frames import transcript_frame

        return transcript_frame(self, chat)

    def to_json(self, path: str | os.PathLike[str], chat: str | None = None) -> Path:
        """Write JSON Lines, lossless: enough to rebuild the exact request history."""
        from .jsonl import write_jsonl

        return write_jsonl(self, path, chat)

    def to_markdown(self, chat: str | None = None) -> str:
        from ..core.records import transcript_markdown

        return transcript_markdown(self, chat)

    def export(self, path: str | os.PathLike[str], chat: str | None = None) -> Path:
        """Write in the format named by the extension: .jsonl, .json, .md, .csv or .parquet."""
        from .export import export

        return export(self, path, chat)

    def load(self, path: str | os.PathLike[str]) -> list[str]:
        """Restore chats from JSON Lines (replacing chats of the same name); returns their names."""
        from .jsonl import read_exchanges, restore

        return restore(self, read_exchanges(path))
