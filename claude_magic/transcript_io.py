"""Transcript files: JSON Lines written whole or appended with fsync, loaded all-or-nothing, exported by extension."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .core.errors import TranscriptFileError
from .core.records import dumps, parse_lines, transcript_markdown, transcript_records
from .core.transcript import Exchange, Transcript

FORMATS = (".jsonl", ".json", ".md", ".csv", ".parquet")


def write_jsonl(transcript: Transcript, path: str | os.PathLike[str], chat: str | None = None) -> Path:
    """Write every exchange as one JSON line, replacing the file atomically."""
    lines = [dumps(record) + "\n" for record in transcript_records(transcript, chat)]
    return _write_atomically(Path(path), "".join(lines))


def append_record(path: str | os.PathLike[str], record: dict[str, Any]) -> None:
    """Append one record as one line and fsync it, so a killed kernel leaves only whole lines."""
    data = (dumps(record) + "\n").encode("utf-8")
    # O_APPEND: one write() of one line; never seek, never rewrite what is already there.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_exchanges(path: str | os.PathLike[str]) -> list[tuple[str, Exchange]]:
    """(chat, exchange) pairs from a JSON Lines file; a bad line raises naming it, and nothing is returned."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TranscriptFileError(f"Could not read {source}: {error}.") from None
    return parse_lines(text.splitlines(), str(source))


def restore(transcript: Transcript, pairs: Iterable[tuple[str, Exchange]]) -> list[str]:
    """Replace the chats named in `pairs` with the loaded exchanges; returns the chat names."""
    loaded: dict[str, list[Exchange]] = {}
    for chat, exchange in pairs:
        loaded.setdefault(chat, []).append(exchange)
    for chat, exchanges in loaded.items():
        transcript.chat(chat).exchanges[:] = exchanges
    return list(loaded)


def export(transcript: Transcript, path: str | os.PathLike[str], chat: str | None = None) -> Path:
    """Write the transcript in the format named by the file's extension."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".jsonl":
        return write_jsonl(transcript, target, chat)
    if suffix == ".json":
        records = list(transcript_records(transcript, chat))
        return _write_atomically(target, json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    if suffix == ".md":
        return _write_atomically(target, transcript_markdown(transcript, chat))
    if suffix in (".csv", ".parquet"):
        return _export_frame(transcript, target, chat)
    raise TranscriptFileError(f"Cannot export to {target.name}: use one of {', '.join(FORMATS)}.")


def _export_frame(transcript: Transcript, target: Path, chat: str | None) -> Path:
    from .export import transcript_frame, write_frame

    write_frame(transcript_frame(transcript, chat), target)
    return target


def _write_atomically(target: Path, text: str) -> Path:
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as error:
        raise TranscriptFileError(f"Could not write {target}: {error}.") from None
    return target
