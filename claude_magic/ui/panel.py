"""The response panel: a reply streamed append-only into a small anywidget view, settled as static HTML.

While the reply streams, the kernel sends only what is new: each finished Markdown block once, as
sanitised HTML, and the open tail as text (shown as inert text nodes). When the reply ends the
panel is replaced by static HTML with the same classes, so saved notebooks and nbconvert show it
without widget state, and it looks as it did live.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets
from IPython.display import HTML, display

from ..core.annotate import citation_source, estimated_tokens, usage_lines
from ..core.events import (
    CitationAdded,
    Event,
    Finished,
    Started,
    TextDelta,
    ThinkingDelta,
    ThinkingDone,
    ToolFinished,
    ToolStarted,
    assert_never,
)
from ..core.render import closed_prefix_end, code_block, open_tail
from ..core.tools import ToolCall
from ..core.transcript import Reply
from .agent_row import AGENT_SOURCE, agent_row_html
from .display_view import DisplayView
from .frontend import ANSWER_WITHIN_S, WATCH, hear_early
from .safe_html import NO_MATH_CLASSES, ROOT_CLASS, markdown_html, text_html
from .settling import SettlesOnExit
from .throttle import Throttle

OMITTED_THINKING = "The model thought, but omitted the text; --show-thinking asks for a summary."
# About 4.5 updates a second (a draw waits for the next delta after the interval): each is one
# iopub message with about 700 bytes of Jupyter envelope, which at a model's 400 characters a
# second costs more than the text itself (BENCHMARKS.md, "Streaming").
REDRAW_INTERVAL_S = 0.2
STYLE_ID = "claude-magic-style"
Op = list[Any]


class StreamView(anywidget.AnyWidget):  # type: ignore[misc]
    """The live view: small synced state, and the reply as numbered ops in custom messages."""

    _esm = Path(__file__).with_name("stream_view.js")
    header = traitlets.Unicode("").tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)
    footnotes = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self) -> None:
        super().__init__()
        self.sent_ops: list[Op] = []
        self.rendered = False
        self.on_msg(self._on_word)
        self.heard_early = hear_early(self)

    def _on_word(self, widget: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("rendered") is True:
            self.rendered = True

    def send_ops(self, ops: list[Op]) -> None:
        """Send `ops` numbered after every op sent before, so the view can tell if one was lost."""
        self.send({"seq": len(self.sent_ops), "ops": ops})
        self.sent_ops += ops

    def set_if_changed(self, **values: str) -> None:
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)


class TextStream:
    """Growing Markdown as ops: finished blocks once as safe HTML, the open tail as text."""

    def __init__(self, replace_op: str, freeze_op: str, style_op: str) -> None:
        self.replace_op, self.freeze_op, self.style_op = replace_op, freeze_op, style_op
        self.frozen_html: list[str] = []
        self.frozen_end = 0
        self.shown_tail = ""  # the open tail's text as the browser shows it (markers hidden)
        self.shown_style: Op = [False, []]  # its code box and marks as the browser has them
        self.rows: dict[str, int] = {}  # row key -> its index in frozen_html

    def ops(self, text: str) -> list[Op]:
        """What turns the browser's copy into `text`: a block freezes once its end is certain.

        The open tail travels as the text it will read as (`core.render.open_tail`), diffed against
        what the browser has; its code box and marks are sent only when they change.
        """
        end = closed_prefix_end(text, self.frozen_end)
        ops: list[Op] = []
        if end > self.frozen_end:
            html = markdown_html(text[self.frozen_end : end])
            self.frozen_html.append(html)
            ops.append(self._freeze(html))
            self.frozen_end = end
        tail = open_tail(text[self.frozen_end :])
        keep = _common_prefix(self.shown_tail, tail.text)
        if keep < len(self.shown_tail) or keep < len(tail.text):
            ops.append([self.replace_op, keep, tail.text[keep:]])
            self.shown_tail = tail.text
        style: Op = [tail.code, [[m.start, m.end, m.kind] for m in tail.marks]]
        if style != self.shown_style:
            ops.append([self.style_op, *style])
            self.shown_style = style
        return ops

    def _freeze(self, html: str) -> Op:
        """The op that appends `html` and drops the whole shown tail (the browser resets its style too)."""
        op = [self.freeze_op, html, len(self.shown_tail)]
        self.shown_tail, self.shown_style = "", [False, []]
        return op

    def html(self, text: str) -> str:
        """The whole of `text` as safe HTML: the frozen blocks as sent, the rest rendered now."""
        return "".join(self.frozen_html) + markdown_html(text[self.frozen_end :])

    def seal(self, text: str) -> list[Op]:
        """Freeze all of `text` now (a tool call follows it): later text starts a new block."""
        rest = text[self.frozen_end :]
        self.frozen_end = len(text)
        if rest.strip():
            self.frozen_html.append(markdown_html(rest))
            return [self._freeze(self.frozen_html[-1])]
        return [self._freeze("")] if self.shown_tail or self.shown_style != [False, []] else []

    def restart(self) -> None:
        """The next text is a new reply (the next round of a tool loop), counted from its own start."""
        self.frozen_end = 0

    def row(self, key: str, html: str) -> Op:
        """Put a row (a tool call) after the frozen blocks, or replace the row already there under `key`."""
        if key in self.rows:
            self.frozen_html[self.rows[key]] = html
        else:
            self.rows[key] = len(self.frozen_html)
            self.frozen_html.append(html)
        return ["x", key, html]


class ResponsePanel(SettlesOnExit):
    """One reply as a live panel; when it ends (`with panel:` sees to it), it becomes static HTML notebooks keep."""

    def __init__(
        self,
        model: str,
        chat: str,
        *,
        live: bool = True,
        show: Callable[[Any], Any] | None = None,
        fmt: str = "markdown",
        plain: bool = False,
        fallback: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model, self.chat, self.live, self.fmt = model, chat, live, fmt
        self.status = "waiting"
        self.text, self.marked, self.thinking = "", "", ""
        self.message_id = ""
        self.thinking_omitted = False
        self.context_line = ""  # what notebook context went with the cell
        self.citations: list[dict[str, Any]] = []
        self.footer_html = ""
        self.cost = ""  # the estimate priced before sending, if any
        self.shown_count = 0  # the live footer's token count as the browser has it
        self.chars_before = 0  # output characters of earlier rounds (a tool loop)
        self.body = TextStream("r", "f", "s")
        self.thought = TextStream("tr", "tf", "ts")
        self.thinking_before = ""  # earlier rounds' thinking (a tool loop)
        self.rounds = 0
        self.metadata: dict[str, Any] = {}  # the settled output's provenance (carry)
        self.widget: StreamView | DisplayView = DisplayView() if plain else StreamView()
        self._throttle = Throttle(self._redraw, REDRAW_INTERVAL_S)
        self._clock = clock
        self._handle = (show or _display)(self.widget)
        self._shown_at, self._fallback = clock(), fallback
        if isinstance(self.widget, DisplayView):
            self.widget.bind(self._handle)
        self._redraw()

    # -- the ReplyView interface --------------------------------------------------------

    def consume(self, event: Event) -> None:
        """Take one stream event; at most a few updates a second reach the browser."""
        match event:
            case Started():
                self._next_round()
                self.model, self.message_id = event.model or self.model, event.message_id
            case ThinkingDelta():
                self.thinking, self.status = _joined(self.thinking_before, event.thinking), "thinking"
            case ThinkingDone():
                self.thinking_omitted = event.omitted and not self.thinking
            case TextDelta():
                self.text, self.marked, self.status = event.text, event.marked, "writing"
            case CitationAdded():
                self.citations.append(event.citation)
                self.marked = event.marked
            case Finished():
                if self.live:  # the call ended: show all of it now (a tool call or an approval may come next)
                    self._redraw()
                return
            case ToolStarted():
                self._show_call(ToolCall(event.id, event.name, event.input, event.source), running=True)
                return
            case ToolFinished():
                self._show_call(event.call, running=False)
                return
            case _:
                assert_never(event)
        if self.live:
            self._throttle.poke()

    def _next_round(self) -> None:
        """A later call of a tool loop begins: its text and thinking follow what is shown."""
        self.rounds += 1
        if self.rounds == 1:
            return
        self._redraw()
        self.widget.send_ops(self.body.seal(self._body_text()))
        self.body.restart()
        self.chars_before += len(self.text)
        self.text = self.marked = ""
        self.thinking_before = self.thinking

    def _show_call(self, call: ToolCall, *, running: bool) -> None:
        """A tool call as a row after the text so far, sent at once (rows are few)."""
        self.status = f"running {call.name}" if running else "writing"
        self._redraw()
        ops = [
            *self.body.seal(self._body_text()),
            self.body.row(call.id, tool_row_html(call, running=running)),
        ]
        self.widget.send_ops(ops)
        self.widget.header = self._header_html()

    def finish(self, reply: Reply, spend: str | None = None) -> None:
        """Show the complete reply with its footer (the real token counts), then leave it as static HTML."""
        self.model = reply.model or self.model
        self.footer_html = "<br>".join(text_html(line) for line in usage_lines(reply, spend))
        self._settle("refused" if reply.refused else "done")

    def carry(self, metadata: dict[str, Any]) -> None:
        """Keep the cell's call provenance on the settled output (saved notebooks keep it)."""
        self.metadata = metadata

    def context(self, line: str) -> None:
        """Show what notebook context went with the cell in the note line, live and settled."""
        self.context_line = line
        self.widget.note = self._note_html()

    def estimate(self, cost: str) -> None:
        """Show the cost range priced before sending in the header, for as long as the reply runs."""
        self.cost = cost
        self.widget.header = self._header_html()

    def note(self, status: str) -> None:
        """Show a passing status at once, e.g. "retrying after 529, attempt 2 of 3"; the next event replaces it."""
        self.status = status
        self.widget.header = self._header_html()

    def stop(self, partial: Reply | None, reason: str) -> None:
        """Keep the partial text visible; the status is one word, as the cell's error line below says why."""
        self._settle("interrupted" if reason == "interrupted" else "failed")

    # -- drawing ------------------------------------------------------------------------

    def _redraw(self) -> None:
        self._check_view()
        self.widget.set_if_changed(
            header=self._header_html(),
            note=self._note_html(),
            footnotes=self._footnotes_html(),
            message=self.message_id,
        )
        ops = self.thought.ops(self.thinking) if self.thinking else []
        ops += self.body.ops(self._body_text())
        ops += self._count_ops()
        if ops:
            self.widget.send_ops(ops)

    def _check_view(self) -> None:
        """A widget view that has not said it was drawn within ANSWER_WITHIN_S: go on in plain display outputs.

        Only where the kernel hears the word while a cell runs (`hear_early`); elsewhere the view
        stays, and the settled panel, plain HTML, shows the whole reply.
        """
        view = self.widget
        if not isinstance(view, StreamView) or not view.heard_early or not self._fallback:
            return
        if not view.rendered and self._clock() - self._shown_at >= ANSWER_WITHIN_S:
            WATCH.failed()
            self._to_plain(view)

    def _to_plain(self, view: StreamView) -> None:
        """The widget's output becomes the header of a DisplayView, which gets every block and tail shown so far."""
        plain = DisplayView()
        if self._handle is not None:
            self._handle.update(plain)
        plain.bind(self._handle)
        for key, stream in (("t", self.thought), ("", self.body)):
            ops = [[f"{key}f", html, 0] for html in stream.frozen_html]
            plain.send_ops([*ops, [f"{key}r", 0, stream.shown_tail]])
        self.widget = plain
        view.close()

    def _count_ops(self) -> list[Op]:
        """The live footer's output-token estimate, riding in the same message as the text (no state sync).

        Only the number travels; the view words it as `core.annotate.live_tokens` does.
        """
        count = estimated_tokens(self.chars_before + len(self.text) + len(self.thinking))
        if count == self.shown_count:
            return []
        self.shown_count = count
        return [["c", count]]

    def _body_text(self) -> str:
        """The reply as Markdown: a `-f json` reply is a JSON code block, not prose. Its fence is left open, as
        Markdown allows (the block ends with the text), so the text's offsets are the same live and settled."""
        return code_block(self.marked, "json", closed=False) if self.fmt == "json" and self.marked else self.marked

    def _header_html(self) -> str:
        state = f"<span class='claude-state' data-state='{state_kind(self.status)}'>{text_html(self.status)}</span>"
        rest = (text_html(self.chat), state, *([text_html(self.cost)] if self.cost else []))
        return f"<b>{text_html(self.model)}</b> · {' · '.join(rest)}"

    def _note_html(self) -> str:
        notes = [self.context_line] if self.context_line else []
        notes += [OMITTED_THINKING] if self.thinking_omitted else []
        return "<br>".join(f"<i>{text_html(note)}</i>" for note in notes)

    def _footnotes_html(self) -> str:
        if not self.citations:
            return ""
        items = "".join(
            f"<li value='{number}'>“{text_html(str(c.get('cited_text', '')))}” — {text_html(citation_source(c))}</li>"
            for number, c in enumerate(self.citations, start=1)
        )
        return f"<ol>{items}</ol>"

    def _settle(self, status: str) -> None:
        self.status, self.settled = status, True
        if self._handle is not None:
            label = f"{self.model} · {self.chat} · {self.status}"
            self._handle.update(_StaticPanel(self.static_html(), label, self.metadata))
        self.widget.close()

    def static_html(self) -> str:
        """The whole panel as one static piece of HTML (what saved notebooks and exports show)."""
        message = text_html(self.message_id)
        thinking = ""
        if self.thinking:
            body = self.thought.html(self.thinking)
            opening = f"<details class='claude-thinking' data-message='{message}'>"
            thinking = f"{opening}<summary>Thinking</summary><div class='claude-thought'>{body}</div></details>"
        parts = [
            f"<div class='claude-header'>{self._header_html()}</div>",
            thinking,
            f"<div class='claude-note'>{self._note_html()}</div>",
            f"<div class='claude-body'>{self.body.html(self._body_text())}</div>",
            f"<div class='claude-footnotes'>{self._footnotes_html()}</div>",
            f"<div class='claude-footer'>{self.footer_html}</div>" if self.footer_html else "",
        ]
        state = f"data-state='{state_kind(self.status)}'"
        return f"<div class='{ROOT_CLASS} {NO_MATH_CLASSES}' data-message='{message}' {state}>{''.join(parts)}</div>"


def state_kind(status: str) -> str:
    """What the stylesheet colours a status as: live (still running), done, warn (refused, interrupted), failed."""
    if status.startswith("failed"):
        return "failed"
    return _STATE_KINDS.get(status, "live")


_STATE_KINDS = {"done": "done", "refused": "warn", "interrupted": "warn"}


def tool_row_html(call: ToolCall, *, running: bool = False) -> str:
    """A compact, collapsible row for one tool call; every part the model or the tool wrote is escaped."""
    if call.source == AGENT_SOURCE:
        return agent_row_html(call, running=running)
    state = "running…" if running else call.outcome()
    kind = " claude-tool-error" if call.is_error and not running else ""
    summary = (
        f"<summary><span class='claude-tool-name'>{text_html(call.name)}</span> "
        f"<code>{text_html(_cut(call.arguments(), 120))}</code> "
        f"<span class='claude-tool-state'>{text_html(state)}</span></summary>"
    )
    details = f"<div class='claude-tool-label'>{text_html(call.source)} · arguments</div>"
    details += f"<pre>{text_html(call.arguments())}</pre>"
    if not running:
        details += f"<div class='claude-tool-label'>result · {text_html(call.outcome())}</div>"
        details += f"<pre>{text_html(call.preview)}</pre>"
    return f"<details class='claude-tool{kind}' data-tool='{text_html(call.id)}'>{summary}{details}</details>"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _joined(before: str, thinking: str) -> str:
    return f"{before}\n\n{thinking}" if before and thinking else before or thinking


class _StaticPanel:
    """The settled panel: its HTML, a one-line text/plain (the reply is not sent a second time), its provenance."""

    def __init__(self, html: str, label: str, metadata: dict[str, Any] | None = None) -> None:
        self.html, self.label, self.metadata = html, label, metadata or {}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, str], dict[str, Any]]:
        return {"text/html": self.html, "text/plain": self.label}, self.metadata


@functools.cache
def stylesheet() -> str:
    """The panel's one stylesheet, shared by live and settled panels."""
    return Path(__file__).with_name("panel.css").read_text(encoding="utf-8")


_style_shown = False


def _display(widget: Any) -> Any:
    """Show the stylesheet once per kernel, then the live view; returns the view's display handle."""
    global _style_shown
    if not _style_shown:
        display(HTML(f"<style id='{STYLE_ID}'>{stylesheet()}</style>"))
        _style_shown = True
    return display(widget, display_id=True)


def _common_prefix(first: str, second: str) -> int:
    limit = min(len(first), len(second))
    if first[:limit] == second[:limit]:
        return limit
    index = 0
    while first[index] == second[index]:
        index += 1
    return index
