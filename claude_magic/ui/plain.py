"""The plain display: a throttled Markdown display handle in a kernel, streamed text in a terminal."""

from __future__ import annotations

import sys
from typing import Any

from IPython.display import Markdown, display

from ..core.annotate import compaction_note, live_tokens, stop_note
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
from ..core.render import safe_markdown
from ..core.transcript import Reply
from .settling import SettlesOnExit
from .throttle import Throttle


class MarkdownView(SettlesOnExit):
    """Shows one reply as Markdown, updated in place at most ~10 times a second; `with view:` settles it."""

    def __init__(self, *, live: bool = True, rich: bool = True, fmt: str = "markdown") -> None:
        self.live, self.rich, self.fmt = live, rich, fmt
        self.text = ""
        # Text is append-only: what came before (earlier rounds, tool call lines), then the
        # current round's text from `_offset` on (its start is already in `before`).
        self.before = ""
        self._round_text = ""
        self._offset = 0
        self._handle: Any = None
        self._printed = 0
        self.metadata: dict[str, Any] = {}  # the settled output's provenance (carry)
        self.context_line = ""  # what notebook context went with the cell
        self._throttle = Throttle(self._redraw)

    def consume(self, event: Event) -> None:
        """Take one stream event; only text changes what is shown (a terminal prints only what is appended)."""
        match event:
            case TextDelta():
                self._round_text = event.text
                self.text = self.before + event.text[self._offset :]
                if self.live:
                    self._throttle.poke()
            case ToolFinished():
                self.before = self.text = f"{self.text}\n\n{_call_line(event.call)}\n\n"
                self._offset = len(self._round_text)
                if self.live:
                    self._throttle.poke()
            case Started():
                self.before, self._round_text, self._offset = self.text, "", 0
            case ThinkingDelta() | ThinkingDone() | CitationAdded() | Finished() | ToolStarted():
                return
            case _:
                assert_never(event)

    def finish(self, reply: Reply, spend: str | None = None) -> None:
        """Show the final reply with its one-line summary (and the session's spend, when a budget is set)."""
        self.text = self.text if reply.tool_calls else reply.text
        self.settled = True
        summary = reply.summary() + (f" · {spend}" if spend else "")
        notes = (self.context_line, compaction_note(reply), stop_note(reply))
        self._show(summary, "\n\n".join(note for note in notes if note))

    def estimate(self, cost: str) -> None:
        """Show the cost range priced before sending as one line on stderr."""
        self.note(cost)

    def carry(self, metadata: dict[str, Any]) -> None:
        """Keep the cell's call provenance on the final output (a terminal has no output metadata)."""
        self.metadata = metadata

    def context(self, line: str) -> None:
        """Say what notebook context went with the cell, with the final summary."""
        self.context_line = line

    def note(self, status: str) -> None:
        """Show a passing status, e.g. "retrying after 529, attempt 2 of 3", as one line on stderr."""
        print(f"claude_magic: {status}", file=sys.stderr, flush=True)

    def stop(self, partial: Reply | None, reason: str) -> None:
        """Keep the partial text visible, marked incomplete with `reason`."""
        self.text = partial.text if partial else self.text
        self.settled = True
        if self.text:
            self._show(f"incomplete: {reason}", "")
        elif self.metadata and self.rich:  # a paid call with nothing to show: an empty output keeps its row
            display({"text/plain": ""}, raw=True, metadata=self.metadata)

    def _redraw(self) -> None:
        self._show(None, "")

    def _show(self, summary: str | None, note: str) -> None:
        """Draw the text so far; with a summary, this is the final state."""
        if not self.rich:
            self._print(summary, note)
            return
        body = self._renderable(summary, note)
        metadata = self.metadata if summary is not None else {}
        if self._handle is None:
            self._handle = display(body, display_id=True, metadata=metadata)
        else:
            self._handle.update(body, metadata=metadata)

    def _renderable(self, summary: str | None, note: str) -> Any:
        if self.fmt != "markdown":
            return _Plain("\n\n".join(part for part in (self.text, note, summary) if part))
        footer = _footer(summary, note) if summary is not None else _live_footer(self.text)
        return Markdown(safe_markdown(self.text) + footer)

    def _print(self, summary: str | None, note: str) -> None:
        sys.stdout.write(self.text[self._printed :])
        self._printed = len(self.text)
        if summary is not None:
            sys.stdout.write("".join(f"\n{line}" for line in (note, f"[{summary}]") if line) + "\n")
        sys.stdout.flush()


def _call_line(call: Any) -> str:
    """A tool call as one Markdown line; its text is the model's and the tool's, so it goes in a code span."""
    line = call.summary().replace("`", "'")
    return f"⚙ `{line}`"


class _Plain:
    """Plain text shown as text/plain."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _live_footer(text: str) -> str:
    """While streaming: the output so far as an estimated token count, replaced by the real one at the end."""
    return f"\n\n---\n<small>{live_tokens(len(text))}</small>" if text else ""


def _footer(summary: str, note: str) -> str:
    extra = f"\n\n*{note}*" if note else ""
    return f"{extra}\n\n---\n<small>{safe_markdown(summary)}</small>"
