"""Transcript files: JSON Lines written whole or appended with fsync, loaded all-or-nothing; atomic file writes."""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..core.errors import TranscriptFileError
from ..core.records import dumps, parse_lines, transcript_records
from ..core.transcript import Exchange, Transcript

MAX_LOAD_BYTES = 256 * 1024 * 1024
TAIL_CHUNK = 64 * 1024
# Unpaired surrogates (possible in Python str) cannot be UTF-8; written as \udXXX they stay valid JSON.
ENCODING_ERRORS = "backslashreplace"
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class AppendFailed(TranscriptFileError, OSError):
    """A line that could not be appended whole; the file keeps only the whole lines it had."""


def write_jsonl(transcript: Transcript, path: str | os.PathLike[str], chat: str | None = None) -> Path:
    """Write every exchange as one JSON line, replacing the file atomically."""
    lines = [dumps(record) + "\n" for record in transcript_records(transcript, chat)]
    return write_text(Path(path), "".join(lines))


# -- appending ------------------------------------------------------------------------------------


def append_record(path: str | os.PathLike[str], record: dict[str, Any]) -> None:
    """Append one record as one whole line and fsync it; on any failure the file is left as it was."""
    data = (dumps(record) + "\n").encode("utf-8", ENCODING_ERRORS)
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as error:
        raise AppendFailed(f"could not open {path}: {_reason(error)}") from None
    try:
        start, separator = _end_of_whole_lines(fd)
        _write_whole(fd, separator + data, start, path)
        os.fsync(fd)
    except OSError as error:
        raise error if isinstance(error, AppendFailed) else AppendFailed(f"{path}: {_reason(error)}") from None
    finally:
        os.close(fd)


def _end_of_whole_lines(fd: int) -> tuple[int | None, bytes]:
    """Where the next line starts, and b"\\n" when the last line is whole but unterminated.

    An unfinished last line (a write cut off by a killed kernel or a full disk) can never load;
    it is cut, so the new line does not join it into one corrupt line in the middle of the file.
    """
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0 or os.pread(fd, 1, info.st_size - 1) == b"\n":
        return (info.st_size if stat.S_ISREG(info.st_mode) else None), b""
    start = _last_line_start(fd, info.st_size)
    if _is_json(os.pread(fd, info.st_size - start, start)):
        return info.st_size, b"\n"
    os.ftruncate(fd, start)
    return start, b""


def _last_line_start(fd: int, size: int) -> int:
    end = size
    while end > 0:
        start = max(0, end - TAIL_CHUNK)
        found = os.pread(fd, end - start, start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        end = start
    return 0


def _write_whole(fd: int, data: bytes, start: int | None, path: str | os.PathLike[str]) -> None:
    """Write all of `data`; os.write may write fewer bytes than asked (a nearly full disk)."""
    view = memoryview(data)
    try:
        while view:
            written = os.write(fd, view)
            if written <= 0:
                raise OSError(errno.ENOSPC, "the disk accepted no more bytes")
            view = view[written:]
    except OSError as error:
        if start is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
        raise AppendFailed(
            f"{path}: a line could not be written whole ({_reason(error)}); "
            "it was taken back, so the file keeps only whole lines"
        ) from None


# -- loading --------------------------------------------------------------------------------------


def _stderr(message: str) -> None:
    print(f"claude_magic: {message}", file=sys.stderr)


def read_exchanges(path: str | os.PathLike[str], warn: Callable[[str], None] = _stderr) -> list[tuple[str, Exchange]]:
    """(chat, exchange) pairs from a JSON Lines file; a bad line raises naming it, and nothing is returned.

    An unfinished last line (an interrupted append) is skipped with one warning.
    """
    source = Path(path)
    lines = _read_regular(source).removeprefix(codecs.BOM_UTF8).split(b"\n")
    tail = lines.pop()
    texts = [_decode(line, number, source) for number, line in enumerate(lines, start=1)]
    torn = bool(tail.strip()) and not _is_json(tail)
    if tail.strip() and not torn:
        texts.append(_decode(tail, len(texts) + 1, source))
    pairs = parse_lines(texts, str(source))
    if not pairs:
        raise TranscriptFileError(f"{source} has no exchanges; nothing was loaded.")
    if torn:
        warn(f"{source}, line {len(texts) + 1}: skipped an unfinished last line (an interrupted write).")
    return pairs


def _read_regular(source: Path) -> bytes:
    """The file's bytes; anything but a regular file within the size cap is refused before it is opened."""
    _check_regular(source, _stat(source))
    try:
        # O_NONBLOCK: a FIFO swapped in after the check is not waited on; fstat below refuses it.
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            _check_regular(source, os.fstat(handle.fileno()))
            data = handle.read(MAX_LOAD_BYTES + 1)
    except OSError as error:
        raise TranscriptFileError(f"Could not read {source}: {_reason(error)}.") from None
    if len(data) > MAX_LOAD_BYTES:
        raise _too_large(source, len(data))
    return data


def _stat(source: Path) -> os.stat_result:
    try:
        return os.stat(source)
    except OSError as error:
        raise TranscriptFileError(f"Could not read {source}: {_reason(error)}.") from None


def _check_regular(source: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "a special file")
        raise TranscriptFileError(f"{source} is not a regular file ({kind}); load a .jsonl transcript file.")
    if info.st_size > MAX_LOAD_BYTES:
        raise _too_large(source, info.st_size)


def _too_large(source: Path, size: int) -> TranscriptFileError:
    return TranscriptFileError(
        f"{source} is {size / 2**20:,.0f} MB; transcripts over {MAX_LOAD_BYTES // 2**20} MB are not loaded. "
        "Export one chat at a time to split it."
    )


def _decode(line: bytes, number: int, source: Path) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TranscriptFileError(
            f"{source}, line {number}: not UTF-8 text ({error.reason} at byte {error.start}); the file was not loaded."
        ) from None


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


def restore(transcript: Transcript, pairs: Iterable[tuple[str, Exchange]]) -> list[str]:
    """Replace the chats named in `pairs` with the loaded exchanges; returns the chat names."""
    loaded: dict[str, list[Exchange]] = {}
    for chat, exchange in pairs:
        loaded.setdefault(chat, []).append(exchange)
    for chat, exchanges in loaded.items():
        transcript.chat(chat).exchanges[:] = exchanges
    return list(loaded)


# -- writing whole files ----------------------------------------------------------------------


def write_text(target: Path, text: str) -> Path:
    """Write `text` as UTF-8, atomically (`write_atomically`)."""
    return write_atomically(target, lambda partial: partial.write_text(text, "utf-8", ENCODING_ERRORS))


def write_atomically(target: Path, write: Callable[[Path], object]) -> Path:
    """Write to a hidden .partial file beside `target`, then rename it over `target`; never leave it behind."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        write(partial)
        os.replace(partial, target)
    except (OSError, ValueError) as error:  # pandas and pyarrow raise ValueError subclasses for data they refuse
        raise TranscriptFileError(f"Could not write {target}: {_reason(error)}.") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return target


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error).splitlines()[0] if str(error) else type(error).__name__
