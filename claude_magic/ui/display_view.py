"""The live reply through plain display outputs, for frontends that draw no widget (offline VS Code, Colab, nbclient).

It takes the same ops and header as the widget view (`panel.StreamView`), so `ResponsePanel`
streams into either: the header is one output, each finished block is appended once as its own
HTML output, and the open tail (with the live token count) is one output updated in place by
display id. An open tail is re-sent whole on each update, so a long one is updated less often
(at most TAIL_CHARS_PER_S characters a second): the bytes stay linear in the reply's length.
When the panel settles, its header output becomes the whole static panel and the others are
emptied, so a saved notebook holds the same one panel as after the widget view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .safe_html import NO_MATH_CLASSES, ROOT_CLASS, text_html

TAIL_CHARS_PER_S = 4000  # an open tail of n characters is re-sent at most every n / this seconds
Op = list[Any]


class _Output:
    """One display output of the view, updated in place through its display id."""

    def __init__(self, show: Callable[..., Any], html: str) -> None:
        self.html = html
        self.handle = show(_Html(html), display_id=True)

    def set(self, html: str) -> None:
        if html != self.html:
            self.html = html
            self.handle.update(_Html(html))


class _Stream:
    """One growing text (the reply or its thinking): finished blocks, then the open tail as text."""

    def __init__(self, cls: str) -> None:
        self.cls = cls
        self.tail = ""
        self.tail_output: _Output | None = None
        self.shown = ""  # the tail as its output shows it
        self.shown_at = 0.0

    def html(self, tail_text: str, extra: str = "") -> str:
        if not tail_text and not extra:
            return ""
        tail = f"<div class='claude-tail'>{text_html(tail_text)}</div>"
        return _piece(f"<div class='{self.cls}'>{tail}</div>{extra}")


class DisplayView:
    """The widget view's interface (`send_ops`, `set_if_changed`, `header`, `close`) drawn as display outputs."""

    def __init__(self, show: Callable[..., Any] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._show = show or _display
        self._clock = clock
        self._header, self.note, self.footnotes, self.message = "", "", "", ""
        self.count = 0
        self.streams = {"": _Stream("claude-body"), "t": _Stream("claude-thought claude-thinking")}
        self.outputs: list[_Output] = []  # every output but the header's, emptied when the panel settles
        self.rows: dict[str, _Output] = {}
        self.handle: Any = None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The header output: shown first, replaced by the settled panel at the end."""
        return {"text/html": self._header_html(), "text/plain": "claude_magic reply (streaming)"}

    def _header_html(self) -> str:
        note = f"<div class='claude-note'>{self.note}</div>" if self.note else ""
        return _piece(f"<div class='claude-header'>{self._header}</div>{note}")

    # -- what ResponsePanel calls --------------------------------------------------------

    @property
    def header(self) -> str:
        return self._header

    @header.setter
    def header(self, value: str) -> None:
        self.set_if_changed(header=value)

    def set_if_changed(self, **values: str) -> None:
        if all(getattr(self, _field(name)) == value for name, value in values.items()):
            return
        for name, value in values.items():
            setattr(self, _field(name), value)
        self._update_header()

    def _update_header(self) -> None:
        if self.handle is not None:  # before it is shown, the header goes out with the display itself
            self.handle.update(self)

    def bind(self, handle: Any) -> None:
        """The header output's handle (what displaying this object returned)."""
        self.handle = handle

    def send_ops(self, ops: list[Op]) -> None:
        """Apply the ops; each open tail that changed is re-sent once, if its interval has passed."""
        changed: set[str] = set()
        for op in ops:
            self._apply(op, changed)
        for key in sorted(changed):
            self._draw_tail(key, force=False)

    def _apply(self, op: Op, changed: set[str]) -> None:
        kind = op[0]
        if kind == "c":
            self.count = int(op[1])
            changed.add("")
        elif kind == "x":
            self._row(str(op[1]), str(op[2]))
        elif kind in ("f", "tf"):
            self._freeze(kind[:-1], str(op[1]), int(op[2]))
        elif kind in ("r", "tr"):
            stream = self.streams[kind[:-1]]
            stream.tail = stream.tail[: int(op[1])] + str(op[2])
            changed.add(kind[:-1])

    def _freeze(self, key: str, html: str, chars: int) -> None:
        """A finished block: the open tail's output becomes it (or it is appended); the rest of the tail goes on."""
        stream = self.streams[key]
        stream.tail = stream.tail[chars:]
        block = _piece(f"<div class='{stream.cls}'>{html}</div>")
        if stream.tail_output is not None:
            stream.tail_output.set(block)
            stream.tail_output, stream.shown = None, ""
        else:
            self.outputs.append(_Output(self._show, block))

    def _draw_tail(self, key: str, *, force: bool) -> None:
        stream = self.streams[key]
        if stream.tail == stream.shown and stream.tail_output is not None:
            return
        now = self._clock()
        waited = now - stream.shown_at >= len(stream.tail) / TAIL_CHARS_PER_S
        if not (force or waited or stream.tail_output is None):
            return
        stream.shown, stream.shown_at = stream.tail, now
        html = stream.html(stream.tail, self._count_html() if key == "" else "")
        if stream.tail_output is None:
            if not stream.tail:
                return
            stream.tail_output = _Output(self._show, html)
            self.outputs.append(stream.tail_output)
        else:
            stream.tail_output.set(html)

    def _count_html(self) -> str:
        return f"<div class='claude-footer'>~{self.count:,} tokens so far</div>" if self.count else ""

    def _row(self, key: str, html: str) -> None:
        """A tool call's row: its own output after the text so far, replaced in place when the call ends."""
        if key in self.rows:
            self.rows[key].set(_piece(html))
            return
        for key, stream in self.streams.items():  # the text before the call is final (the panel sealed it)
            if stream.tail_output is not None:
                self._draw_tail(key, force=True)
            stream.tail_output, stream.shown = None, ""
        self.rows[key] = _Output(self._show, _piece(html))
        self.outputs.append(self.rows[key])

    def close(self) -> None:
        """The panel settled into its header output: every other output is emptied."""
        for output in self.outputs:
            output.set("")
        self.outputs.clear()


def _field(name: str) -> str:
    return "_header" if name == "header" else name


def _piece(inner: str) -> str:
    return f"<div class='{ROOT_CLASS} {NO_MATH_CLASSES} claude-piece'>{inner}</div>" if inner else ""


class _Html:
    """An HTML output with an empty text/plain (the reply is sent once per output, never as the object's repr)."""

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": ""}


def _display(obj: Any, **kwargs: Any) -> Any:
    from IPython.display import display

    return display(obj, **kwargs)
