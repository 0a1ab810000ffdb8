"""Hostile files and objects: short writes, torn and malformed transcripts, bad export paths, broken images."""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from claude_magic import Session
from claude_magic._attach import Target, attach_object, attach_path
from claude_magic._transcripts.jsonl import append_record, read_exchanges, write_jsonl
from claude_magic._transcripts.session_transcript import SessionTranscript
from claude_magic.core.errors import AttachmentError, ClaudeMagicError, TranscriptFileError
from claude_magic.core.records import dumps, exchange_record
from claude_magic.core.transcript import Transcript
from tests.core.test_records import make_exchange
from tests.media import png

SONNET = Target("claude-sonnet-5-5")
Write = Callable[[int, bytes], int]


def line(prompt: str, chat: str = "a") -> str:
    return dumps(exchange_record(make_exchange(prompt), chat)) + "\n"


def record(prompt: str, chat: str = "a") -> dict[str, object]:
    return json.loads(line(prompt, chat))


def loaded(path: Path) -> list[tuple[str, str]]:
    transcript = SessionTranscript()
    transcript.load(path)
    return [(name, e.prompt) for name, chat in transcript.chats.items() for e in chat.exchanges]


def one_line_error(error: ClaudeMagicError, *parts: str) -> None:
    assert "\n" not in error.message and error._render_traceback_() == [f"{type(error).__name__}: {error.message}"]
    for part in parts:
        assert part in error.message, error.message


# -- 5: autosave short writes and torn last lines -------------------------------------------------
# A full disk cannot be made without root tricks (a loop-mounted tiny filesystem), so these tests
# replace os.write with one that writes fewer bytes than asked, as a nearly full disk does.


def writes_to(path: Path, limit: Callable[[int], int]) -> Write:
    """os.write that writes only limit(n) of n bytes to `path`; other files are written normally."""
    real = os.write

    def write(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}") != str(path):
            return real(fd, data)
        count = limit(len(data))
        return real(fd, bytes(data)[:count]) if count else 0

    return write


def test_append_record_finishes_a_short_write(tmp_path, monkeypatch):
    path = tmp_path / "auto.jsonl"
    monkeypatch.setattr(os, "write", writes_to(path, lambda n: min(n, 7)))
    append_record(path, record("one"))
    append_record(path, record("two"))
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == line("one") + line("two")
    assert loaded(path) == [("a", "one"), ("a", "two")]


def test_a_write_that_stalls_raises_and_takes_the_partial_line_back(tmp_path, monkeypatch):
    path = tmp_path / "auto.jsonl"
    append_record(path, record("one"))
    calls = iter([50, 0])
    monkeypatch.setattr(os, "write", writes_to(path, lambda n: next(calls)))
    with pytest.raises(OSError) as caught:
        append_record(path, record("two"))
    monkeypatch.undo()
    assert isinstance(caught.value, TranscriptFileError)
    one_line_error(caught.value, str(path), "only whole lines")
    assert path.read_text(encoding="utf-8") == line("one")


def test_a_disk_full_error_mid_line_takes_the_partial_line_back(tmp_path, monkeypatch):
    path = tmp_path / "auto.jsonl"
    append_record(path, record("one"))
    real, calls = os.write, []

    def write(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}") != str(path):
            return real(fd, data)
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real(fd, bytes(data)[:30])

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(TranscriptFileError, match="No space left on device"):
        append_record(path, record("two"))
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == line("one")


def test_the_session_warns_once_when_autosave_writes_are_short(session, sim, tmp_path, monkeypatch, capsys):
    path = tmp_path / "auto.jsonl"
    session.autosave = str(path)
    session.ask("kept")
    monkeypatch.setattr(os, "write", writes_to(path, lambda n: 0))
    session.ask("lost one")
    session.ask("lost two")
    monkeypatch.undo()
    warnings = [text for text in capsys.readouterr().err.splitlines() if "autosave" in text]
    assert len(warnings) == 1 and str(path) in warnings[0], warnings
    assert [e.prompt for e in session.transcript.chat().exchanges] == ["kept", "lost one", "lost two"]
    assert [prompt for _, prompt in loaded(path)] == ["kept"]


def test_a_torn_last_line_is_skipped_with_one_warning(tmp_path, capsys):
    path = tmp_path / "auto.jsonl"
    torn = line("three")[:40]
    path.write_text(line("one") + line("two") + torn, encoding="utf-8")
    assert loaded(path) == [("a", "one"), ("a", "two")]
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and f"{path}, line 3" in warning and "skipped" in warning


def test_an_unterminated_but_whole_last_line_is_loaded(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(line("one") + line("two").rstrip("\n"), encoding="utf-8")
    assert loaded(path) == [("a", "one"), ("a", "two")]


def test_a_torn_line_in_the_middle_still_refuses_the_whole_file(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(line("one") + line("two")[:40] + "\n" + line("three"), encoding="utf-8")
    transcript = SessionTranscript()
    with pytest.raises(TranscriptFileError) as caught:
        transcript.load(path)
    one_line_error(caught.value, f"{path}, line 2")
    assert transcript.chats == {}


def test_appending_after_a_crash_keeps_every_completed_exchange(tmp_path):
    path = tmp_path / "auto.jsonl"
    path.write_text(line("one") + line("torn")[:40], encoding="utf-8")
    append_record(path, record("two"))
    assert loaded(path) == [("a", "one"), ("a", "two")]


# -- 9: loading hostile transcript files ----------------------------------------------------------


def load_error(path: Path, *parts: str) -> None:
    """Loading `path` raises one line naming it (and `parts`), and leaves the transcript as it was."""
    transcript = SessionTranscript()
    transcript.chat("a").append(make_exchange("before"))
    before = {name: list(chat.exchanges) for name, chat in transcript.chats.items()}
    with pytest.raises(TranscriptFileError) as caught:
        transcript.load(path)
    one_line_error(caught.value, str(path), *parts)
    assert {name: list(chat.exchanges) for name, chat in transcript.chats.items()} == before


def with_fields(**changes: object) -> str:
    data = record("one")
    data.update(changes)
    return json.dumps(data) + "\n"


def with_reply_fields(**changes: object) -> str:
    data = record("one")
    data["reply"].update(changes)  # type: ignore[attr-defined]
    return json.dumps(data) + "\n"


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ('{"version": 1, "kind": "exchange", "prompt": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "nested"),
        (with_fields(user_content="hello"), "user_content"),
        (with_fields(user_content=["h", "i"]), "user_content"),
        (with_fields(user_content=[]), "user_content"),
        (with_fields(chat=5), "chat"),
        (json.dumps({k: v for k, v in record("one").items() if k != "chat"}) + "\n", "chat is missing"),
        (with_fields(chat=""), "chat"),
        (with_fields(prompt=None), "prompt"),
        (with_fields(created_at="yesterday"), "created_at"),
        (with_fields(created_at=True), "created_at"),
        (with_fields(reply=[]), "reply"),
        (with_fields(attachments="df"), "attachments"),
        (with_fields(version=True), "not a transcript record"),
        (with_fields(version=0), "not a transcript record"),
        (with_reply_fields(text=5), "reply.text"),
        (with_reply_fields(content="hi"), "reply.content"),
        (with_reply_fields(usage={"output_tokens": "7"}), "reply.usage.output_tokens"),
        (with_reply_fields(usage={"output_tokens": 1.5}), "reply.usage.output_tokens"),
        (with_reply_fields(cost_usd="free"), "reply.cost_usd"),
        ('{"version": 1, "kind": "exchange", "n": ' + "9" * 5000 + "}\n", "line 2"),
    ],
)
def test_a_malformed_line_is_one_line_naming_it(tmp_path, bad, named):
    path = tmp_path / "t.jsonl"
    path.write_text(line("one", "b") + bad + line("two", "b"), encoding="utf-8")
    load_error(path, "line 2", named)


def test_invalid_utf8_names_its_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(line("one").encode() + b'{"version": 1, "prompt": "\xff"}\n')
    load_error(path, "line 2", "UTF-8")


def test_a_line_separator_inside_a_prompt_round_trips(tmp_path):
    transcript = Transcript()
    transcript.chat("a").append(make_exchange("one\u2028two\x85three\x1cfour"))
    path = write_jsonl(transcript, tmp_path / "t.jsonl")
    assert loaded(path) == [("a", "one\u2028two\x85three\x1cfour")]


@pytest.mark.parametrize("content", ["", "\n\n  \n", json.dumps({"version": 1, "kind": "failed"}) + "\n"])
def test_a_file_without_exchanges_is_one_line(tmp_path, content):
    path = tmp_path / "t.jsonl"
    path.write_text(content, encoding="utf-8")
    load_error(path, f"{path} has no exchanges")


def test_dev_zero_is_refused_without_reading(tmp_path):
    load_error(Path("/dev/zero"), "not a regular file")


def test_a_directory_is_refused(tmp_path):
    load_error(tmp_path, "not a regular file")


def test_a_missing_file_is_one_line(tmp_path):
    load_error(tmp_path / "nope.jsonl", "No such file")


def test_a_file_over_the_size_cap_is_refused(tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.truncate(256 * 1024 * 1024 + 1)  # sparse: no disk used
    load_error(path, "MB")


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            read_exchanges(fifo)
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # the load opened the FIFO and blocks: release it, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
        pytest.fail("loading a FIFO blocked")
    assert isinstance(outcome[0], TranscriptFileError)
    one_line_error(outcome[0], str(fifo), "not a regular file")


# -- 10: export path failures ---------------------------------------------------------------------

SUFFIXES = [".jsonl", ".json", ".md", ".csv", ".parquet"]


def exported_session() -> Session:
    session = Session()
    session.transcript.chat("a").append(make_exchange("one"))
    return session


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("where", ["missing folder", "a directory", "unwritable", "a file as folder"])
def test_every_export_failure_is_one_line_and_leaves_nothing(tmp_path, suffix, where):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / f"dir{suffix}").mkdir()
    assert Path("/sys").is_dir(), "the unwritable case writes under /sys, which even root cannot"
    target = {
        "missing folder": tmp_path / "no" / f"t{suffix}",
        "a directory": tmp_path / f"dir{suffix}",
        "unwritable": Path("/sys") / f"t{suffix}",
        "a file as folder": tmp_path / "file.txt" / f"t{suffix}",
    }[where]
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(TranscriptFileError) as caught:
        exported_session().transcript.export(target)
    one_line_error(caught.value, str(target) if suffix != ".parquet" else "")
    assert sorted(tmp_path.rglob("*")) == before


def test_a_failed_write_of_the_partial_file_removes_it(tmp_path, monkeypatch):
    target = tmp_path / "t.jsonl"

    def fail_replace(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(TranscriptFileError, match="No space left on device"):
        exported_session().transcript.export(target)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_an_unpaired_surrogate_exports_and_round_trips(tmp_path):
    session = Session()
    session.transcript.chat("a").append(make_exchange("bad \ud800 text"))
    for suffix in (".jsonl", ".json", ".md", ".csv"):
        session.transcript.export(tmp_path / f"t{suffix}")
    append_record(tmp_path / "auto.jsonl", record("bad \udcff too"))
    assert loaded(tmp_path / "t.jsonl") == [("a", "bad \ud800 text")]
    assert loaded(tmp_path / "auto.jsonl") == [("a", "bad \udcff too")]


# -- 16: objects whose representation fails, and PIL modes PNG cannot hold -------------------------


def raising(method: str) -> object:
    def fail(self: object) -> object:
        raise ValueError("renderer broke")

    return type("Broken", (), {method: fail})()


@pytest.mark.parametrize("method", ["_repr_png_", "_repr_jpeg_", "_repr_markdown_", "_repr_html_"])
def test_a_repr_that_raises_is_one_line(method):
    with pytest.raises(AttachmentError) as caught:
        attach_object("thing", raising(method), SONNET)
    one_line_error(caught.value, "thing", method, "ValueError: renderer broke")


@pytest.mark.parametrize("data", [12345, "not base64 !!", b"not an image"])
def test_a_repr_png_returning_garbage_is_one_line(data):
    thing = type("Odd", (), {"_repr_png_": lambda self: data})()
    with pytest.raises(AttachmentError) as caught:
        attach_object("odd", thing, SONNET)
    one_line_error(caught.value, "odd")


def sent(attachment: object) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(attachment.blocks[1]["source"]["data"])))  # type: ignore[attr-defined]
    image.load()
    return image


@pytest.mark.parametrize(
    ("mode", "values"),
    [
        ("F", np.linspace(-1.5, 1000.25, 64, dtype=np.float32)),
        ("I", np.linspace(-70_000, 70_000, 64).astype(np.int32)),
        ("I;16", np.linspace(0, 4095, 64).astype(np.uint16)),
    ],
)
def test_high_depth_images_are_scaled_to_8_bit_grayscale(mode, values):
    image = Image.fromarray(values.reshape(8, 8))
    assert image.mode == mode
    result = sent(attach_object("scan", image, SONNET))
    assert result.mode == "L" and result.getextrema() == (0, 255)
    pixels = np.asarray(result, dtype=int).ravel()
    assert list(pixels) == sorted(pixels), "the order of values is kept"


def test_a_flat_float_image_is_black_not_an_error():
    result = sent(attach_object("flat", Image.new("F", (4, 4), 3.5), SONNET))
    assert result.mode == "L" and result.getextrema() == (0, 0)


@pytest.mark.parametrize("mode", ["LAB", "HSV", "YCbCr", "RGBa", "La", "PA"])
def test_other_modes_png_cannot_hold_are_converted(mode):
    result = sent(attach_object("pic", Image.new(mode, (4, 4)), SONNET))
    assert result.mode in ("RGB", "RGBA", "LA")


# -- 17: images that do not decode, empty documents -------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A valid 8×8 PNG whose IHDR (with a correct CRC) claims another size."""
    data = bytearray(png(8, 8))
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


BROKEN_IMAGES = {
    "header lies": png_claiming(800, 600),
    "truncated": png(64, 64)[:-40],
    "garbage body": png(8, 8)[:33] + b"\x00" * 60,
    "jpeg header only": b"\xff\xd8\xff\xe0" + b"\x00" * 40,
}


@pytest.mark.parametrize("name", BROKEN_IMAGES)
def test_an_image_that_does_not_decode_is_refused(tmp_path, name):
    with pytest.raises(AttachmentError) as caught:
        attach_object("pic", BROKEN_IMAGES[name], SONNET)
    one_line_error(caught.value, "pic", "not a readable image")
    path = tmp_path / "pic.png"
    path.write_bytes(BROKEN_IMAGES[name])
    with pytest.raises(AttachmentError):
        attach_path(path, SONNET)


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_an_empty_document_is_refused(tmp_path, text):
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AttachmentError) as caught:
        attach_path(path, SONNET)
    one_line_error(caught.value, "notes.txt", "empty")
    with pytest.raises(AttachmentError, match="empty"):
        attach_object("note", text, SONNET)


def test_an_html_repr_without_text_is_refused():
    thing = type("Blank", (), {"_repr_html_": lambda self: "<div><script>x()</script></div>"})()
    with pytest.raises(AttachmentError, match="empty"):
        attach_object("blank", thing, SONNET)
