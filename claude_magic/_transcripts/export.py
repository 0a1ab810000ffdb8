"""Transcript export by the file's extension: .jsonl, .json, .md, .csv or .parquet, each written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..core.errors import TranscriptFileError
from ..core.records import transcript_markdown, transcript_records
from ..core.transcript import Transcript
from .jsonl import write_atomically, write_jsonl, write_text

FORMATS = (".jsonl", ".json", ".md", ".csv", ".parquet")


def export(transcript: Transcript, path: str | os.PathLike[str], chat: str | None = None) -> Path:
    """Write the transcript in the format named by the file's extension."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise TranscriptFileError(f"Cannot export to {target.name}: use one of {', '.join(FORMATS)}.")
    _check_target(target)
    if suffix == ".jsonl":
        return write_jsonl(transcript, target, chat)
    if suffix == ".json":
        records = list(transcript_records(transcript, chat))
        return write_text(target, json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    if suffix == ".md":
        return write_text(target, transcript_markdown(transcript, chat))
    return _export_frame(transcript, target, chat)


def _check_target(target: Path) -> None:
    folder = target.parent
    if target.is_dir():
        problem = "it is a directory; name a file inside it"
    elif not folder.is_dir():
        problem = f"{folder} is not a directory" if folder.exists() else f"the directory {folder} does not exist"
    else:
        return
    raise TranscriptFileError(f"Could not write {target}: {problem}.")


def _export_frame(transcript: Transcript, target: Path, chat: str | None) -> Path:
    from .frames import transcript_frame, write_frame

    frame = transcript_frame(transcript, chat)
    return write_atomically(target, lambda partial: write_frame(frame, partial, target.suffix))
