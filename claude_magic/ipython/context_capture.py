"""What a cell showed, captured as it is shown: printed text, displayed text forms, figures and its error.

IPython keeps no bounded record of past cells' output, so while a cell runs `Taps` tee `sys.stdout` and
`sys.stderr` (the `write` of ipykernel's OutStream is wrapped on the instance, because ipykernel checks the
stream's class; a stream whose attributes are read-only is replaced by a forwarding proxy) and wrap the
shell's `display_pub.publish` and `displayhook.write_format_data`. Everything goes on to where it went
before; a `CellRecording` keeps at most `MAX_CELL_CHARS` of it. claude_magic's own outputs (metadata key
`claude_magic`, widgets) are not recorded.
"""

from __future__ import annotations

import contextlib
import linecache
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..core.context import CellError, CellRun
from ..core.provenance import METADATA_KEY

MAX_SOURCE_CHARS = 8_000  # a cell's source: its start and its end are kept
MAX_CELL_CHARS = 4_000  # printed text of one cell: its start and its end are kept
MAX_DISPLAY_CHARS = 2_000  # one displayed text form (a frame's text, an Out value)
MAX_DISPLAYS = 10  # displayed outputs kept per cell; later ones are counted
MAX_FRAMES = 10  # user-code frames of an error, the innermost kept
MAX_MESSAGE = 500
WIDGET = "application/vnd.jupyter.widget-view+json"
_FIGURE = re.compile(r"<Figure size [\d.]+x[\d.]+ with (\d+) Axes>")


class CappedText:
    """Text of unbounded writes kept within `limit` characters: the first two thirds and the last third."""

    def __init__(self, limit: int) -> None:
        self.head_limit, self.tail_limit = limit * 2 // 3, limit - limit * 2 // 3
        self.head, self.tail, self.total = "", "", 0

    def write(self, text: str) -> None:
        self.total += len(text)
        if len(self.head) < self.head_limit:
            room = self.head_limit - len(self.head)
            self.head, text = self.head + text[:room], text[room:]
        if text:
            self.tail = (self.tail + text[-self.tail_limit :])[-self.tail_limit :]

    def text(self) -> str:
        cut = self.total - len(self.head) - len(self.tail)
        return self.head + (f"\n[... {cut:,} characters not kept ...]\n" if cut else "") + self.tail


class CellRecording:
    """What one cell showed so far, in order: printed runs and displayed text, figures named."""

    def __init__(self, source: str) -> None:
        self.source = _capped(source, MAX_SOURCE_CHARS)
        self.outputs: list[CappedText | str] = []
        self.figures: list[str] = []
        self.printed = CappedText(MAX_CELL_CHARS)  # shared by every printed run: the cap is per cell
        self.dropped = 0
        self.lock = threading.Lock()

    def printed_text(self, text: str) -> None:
        """Printed text joins the cell's one printed output, placed where the cell first printed."""
        with self.lock:
            if not self.printed.total:
                self.outputs.append(self.printed)
            self.printed.write(text)

    def displayed(self, data: Any, metadata: Any) -> None:
        """A display or Out value: its figure name or its text form, unless it is ours or a widget."""
        if not isinstance(data, dict) or WIDGET in data or (isinstance(metadata, dict) and METADATA_KEY in metadata):
            return
        plain = data.get("text/plain")
        image = next((kind for kind in data if isinstance(kind, str) and kind.startswith("image/")), None)
        with self.lock:
            if image is not None:
                self.figures.append(_figure_name(len(self.figures) + 1, plain, image))
            elif isinstance(plain, str) and len(self.outputs) < MAX_DISPLAYS + 1:
                self.outputs.append(_capped(plain, MAX_DISPLAY_CHARS))
            else:
                self.dropped += 1

    def finish(self, number: int | None, error: BaseException | None, cell_names: dict[str, int]) -> CellRun:
        outputs = [o.text() if isinstance(o, CappedText) else o for o in self.outputs]
        if self.dropped:
            outputs.append(f"[{self.dropped} more displayed outputs not kept]")
        failure = describe_error(error, cell_names) if error is not None else None
        return CellRun(number, self.source, tuple(outputs), failure, tuple(self.figures))


def _capped(text: str, limit: int) -> str:
    capped = CappedText(limit)
    capped.write(text)
    return capped.text()


def _figure_name(index: int, plain: Any, image: str) -> str:
    match = _FIGURE.search(plain) if isinstance(plain, str) else None
    if match:
        axes = int(match.group(1))
        return f"figure {index} (matplotlib, {axes} {'axis' if axes == 1 else 'axes'})"
    return f"figure {index} ({image})"


def describe_error(error: BaseException, cell_names: dict[str, int]) -> CellError:
    """Type, message and the frames of the user's cells (not library code), innermost last."""
    try:
        message = str(error)
    except Exception:
        message = "(its message could not be read)"
    if isinstance(error, SyntaxError):
        frames = [f"line {error.lineno}: {(error.text or '').strip()[:200]}"] if error.lineno else []
        message = error.msg or message
    else:
        frames = _user_frames(error, cell_names)
    return CellError(type(error).__qualname__, _capped(message, MAX_MESSAGE), tuple(frames[-MAX_FRAMES:]))


def _user_frames(error: BaseException, cell_names: dict[str, int]) -> list[str]:
    frames, tb = [], error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in cell_names:
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()[:200]
            frames.append(f"In [{cell_names[code.co_filename]}], line {tb.tb_lineno}, in {code.co_name}: {line}")
        tb = tb.tb_next
    return frames


class _StreamProxy:
    """Stands in for a stream whose `write` cannot be wrapped: forwards everything, tees `write`."""

    def __init__(self, inner: Any, tee: Callable[[str], None]) -> None:
        self._inner, self._tee = inner, tee

    def write(self, text: str) -> int:
        written: int = self._inner.write(text)
        with contextlib.suppress(Exception):  # as the wrapped write: never breaks the user's print
            self._tee(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class Taps:
    """Installs the tees for one cell and removes them after it, leaving anything installed later alone."""

    def __init__(self, shell: Any, recording: CellRecording) -> None:
        self.shell, self.recording = shell, recording
        self.displaying = False
        self.active = True  # a wrapper that another one now covers stays in place: it records nothing more
        self._undo: list[Callable[[], None]] = []

    def install(self) -> None:
        for channel in ("stdout", "stderr"):
            self._tee_stream(channel)
        self._wrap(self.shell.display_pub, "publish", self._publish)
        self._wrap(self.shell.displayhook, "write_format_data", self._format_data)

    def remove(self) -> None:
        self.active = False
        while self._undo:
            self._undo.pop()()

    def _printed(self, text: str) -> None:
        shell = self.shell
        busy = self.displaying or getattr(shell, "showing_traceback", False)
        if self.active and not busy and not getattr(shell.displayhook, "is_active", False) and isinstance(text, str):
            self.recording.printed_text(text)

    def _tee_stream(self, channel: str) -> None:
        stream = getattr(sys, channel)
        original = stream.write

        def write(text: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(text, *args, **kwargs)
            with contextlib.suppress(Exception):  # recording what was shown never breaks the user's print
                self._printed(text)
            return result

        if not self._wrap(stream, "write", None, replacement=write):
            proxy = _StreamProxy(stream, self._printed)
            setattr(sys, channel, proxy)
            self._undo.append(lambda: setattr(sys, channel, stream) if getattr(sys, channel) is proxy else None)

    def _wrap(self, owner: Any, name: str, around: Any, replacement: Any = None) -> bool:
        """Set `owner.name` to a wrapper on the instance; False when the instance takes no attributes."""
        original = getattr(owner, name)
        wrapper = replacement or (lambda *args, **kwargs: around(original, *args, **kwargs))
        own = getattr(owner, "__dict__", {})
        had, previous = name in own, own.get(name)
        try:
            setattr(owner, name, wrapper)
        except (AttributeError, TypeError):
            return False
        self._undo.append(lambda: _restore(owner, name, wrapper, had, previous))
        return True

    def _publish(self, original: Any, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        self._record_display(data, kwargs.get("metadata", args[0] if args else None))
        return self._displaying(original, data, *args, **kwargs)

    def _format_data(self, original: Any, format_dict: Any, md_dict: Any = None, *args: Any) -> Any:
        self._record_display(format_dict, md_dict)
        return self._displaying(original, format_dict, md_dict, *args)

    def _record_display(self, data: Any, metadata: Any) -> None:
        if not self.active:
            return
        with contextlib.suppress(Exception):  # an unreadable output is left out, never breaks the display
            self.recording.displayed(data, metadata)

    def _displaying(self, original: Any, *args: Any, **kwargs: Any) -> Any:
        self.displaying = True
        try:
            return original(*args, **kwargs)
        finally:
            self.displaying = False


def _restore(owner: Any, name: str, wrapper: Any, had: bool, previous: Any) -> None:
    if getattr(owner, "__dict__", {}).get(name) is not wrapper:
        return  # something wrapped it after us: removing ours would remove theirs too
    if had:
        setattr(owner, name, previous)
    else:
        delattr(owner, name)
