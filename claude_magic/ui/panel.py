"""The response panel: header, live thinking, streamed Markdown, citations and a usage footer as widgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ..core.annotate import citation_source, usage_lines
from ..core.events import CitationAdded, Event, Finished, Started, TextDelta, ThinkingDelta, ThinkingDone, assert_never
from ..core.render import closed_prefix_end
from ..core.transcript import Reply
from .safe_html import NO_MATH_CLASS, ROOT_CLASS, highlight_css, markdown_html, text_html
from .throttle import Throttle

# A finished stretch of Markdown at least this long moves into its own widget and is never resent.
FREEZE_CHARS = 2000
OMITTED_THINKING = "The model thought, but omitted the text; --show-thinking asks for a summary."
_CSS = f"""
.{ROOT_CLASS} .claude-header {{ color: #666; font-size: 0.9em; }}
.{ROOT_CLASS} .claude-footer {{ color: #666; font-size: 0.85em; border-top: 1px solid #ddd; margin-top: 0.5em; }}
.{ROOT_CLASS} .claude-footnotes {{ font-size: 0.9em; }}
.{ROOT_CLASS} pre {{ background: #f7f7f7; padding: 0.5em; overflow-x: auto; }}
"""


class MarkdownStream:
    """Growing Markdown shown as HTML: finished blocks freeze into their own widgets; only the tail redraws."""

    def __init__(self, freeze_chars: int = FREEZE_CHARS) -> None:
        self.freeze_chars = freeze_chars
        self.tail = widgets.HTML()
        self.box = widgets.VBox([self.tail])
        self.frozen: list[widgets.HTML] = []
        # Frozen blocks share the tail's layout and style models, so each costs one comm_open, not three.
        self._layout, self._style = self.tail.layout, self.tail.style
        self._frozen_end = 0
        self._tail_text: str | None = None

    def show(self, text: str, *, final: bool = False) -> None:
        """Draw `text`, which extends the text last shown (it is only ever appended to)."""
        end = closed_prefix_end(text, self._frozen_end)
        if end - self._frozen_end >= self.freeze_chars or (final and end > self._frozen_end):
            self._freeze(text[self._frozen_end : end])
            self._frozen_end = end
        tail = text[self._frozen_end :]
        if tail != self._tail_text:
            self.tail.value, self._tail_text = markdown_html(tail), tail

    def html(self) -> str:
        """Everything shown so far, as one piece of safe HTML."""
        return "".join(widget.value for widget in (*self.frozen, self.tail))

    def close(self) -> None:
        for widget in (*self.frozen, self.tail, self.box, self._layout, self._style):
            widget.close()

    def _freeze(self, text: str) -> None:
        frozen = widgets.HTML(markdown_html(text), layout=self._layout, style=self._style)
        self.frozen.append(frozen)
        self.box.children = (*self.frozen, self.tail)


class ResponsePanel:
    """One reply as a live widget panel; when it ends, the panel becomes static HTML that notebooks keep."""

    def __init__(self, model: str, chat: str, *, live: bool = True, show: Callable[[Any], Any] | None = None) -> None:
        self.model, self.chat, self.live = model, chat, live
        self.status = "waiting"
        self.text, self.marked, self.thinking = "", "", ""
        self.thinking_omitted = False
        self.citations: list[dict[str, Any]] = []
        self._build()
        self._throttle = Throttle(self._redraw)
        self._handle = (show or _display)(self.widget)

    # -- the consumer interface ---------------------------------------------------------

    def consume(self, event: Event) -> None:
        """Take one stream event; redraws happen at most ~10 times a second."""
        match event:
            case Started():
                self.model = event.model or self.model
            case ThinkingDelta():
                self.thinking, self.status = event.thinking, "thinking"
            case ThinkingDone():
                self.thinking_omitted = event.omitted and not self.thinking
            case TextDelta():
                self.text, self.marked, self.status = event.text, event.marked, "writing"
            case CitationAdded():
                self.citations.append(event.citation)
                self.marked = event.marked
            case Finished():
                return
            case _:
                assert_never(event)
        if self.live:
            self._throttle.poke()

    def finish(self, reply: Reply) -> None:
        """Show the complete reply with its footer, then leave it as static HTML."""
        self.model = reply.model or self.model
        self._settle("done", "<br>".join(text_html(line) for line in usage_lines(reply)))

    def note(self, status: str) -> None:
        """Show a passing status at once, e.g. "retrying after 529, attempt 2 of 3"; the next event replaces it."""
        self.status = status
        self.header.value = self._header_html()

    def stop(self, partial: Reply | None, reason: str) -> None:
        """Keep the partial text visible; the status says what happened."""
        error = partial.error if partial is not None and not partial.complete else None
        status = "interrupted" if reason == "interrupted" else f"failed: {error or reason}"
        self._settle(status, "")

    # -- drawing ------------------------------------------------------------------------

    def _build(self) -> None:
        self.header = widgets.HTML(self._header_html())
        self.thinking_stream = MarkdownStream()
        self.thinking_box = widgets.Accordion([self.thinking_stream.box], titles=("Thinking",), selected_index=None)
        self.thinking_box.layout.display = "none"
        self.thinking_note = widgets.HTML()
        self.body = MarkdownStream()
        self.footnotes = widgets.HTML()
        self.footer = widgets.HTML()
        self.style = widgets.HTML(f"<style>{_CSS}{highlight_css()}</style>")
        parts = [self.style, self.header, self.thinking_box, self.thinking_note, self.body.box, self.footnotes]
        self.widget = widgets.VBox([*parts, self.footer])
        self.widget.add_class(ROOT_CLASS)

    def _redraw(self, *, final: bool = False) -> None:
        self.header.value = self._header_html()
        if self.thinking:
            self.thinking_box.layout.display = None
            self.thinking_stream.show(self.thinking, final=final)
        if self.thinking_omitted:
            self.thinking_note.value = f"<i>{text_html(OMITTED_THINKING)}</i>"
        self.body.show(self.marked, final=final)
        footnotes = self._footnotes_html()
        if footnotes != self.footnotes.value:
            self.footnotes.value = footnotes

    def _header_html(self) -> str:
        model, chat, status = (text_html(part) for part in (self.model, self.chat, self.status))
        return f"<div class='claude-header'><b>{model}</b> · {chat} · {status}</div>"

    def _footnotes_html(self) -> str:
        if not self.citations:
            return ""
        items = "".join(
            f"<li value='{number}'>“{text_html(str(c.get('cited_text', '')))}” — {text_html(citation_source(c))}</li>"
            for number, c in enumerate(self.citations, start=1)
        )
        return f"<ol class='claude-footnotes'>{items}</ol>"

    def _settle(self, status: str, footer: str) -> None:
        self.status = status
        self.footer.value = f"<div class='claude-footer'>{footer}</div>" if footer else ""
        self._redraw(final=True)  # the final state is always drawn, whatever the throttle held back
        final = self.static_html()
        if self._handle is not None:
            self._handle.update(_StaticPanel(final, f"{self.model} · {self.chat} · {self.status}"))
        self._close()

    def static_html(self) -> str:
        """The whole panel as one static piece of HTML (what saved notebooks and exports show)."""
        thinking = ""
        if self.thinking:
            thinking = f"<details><summary>Thinking</summary>{self.thinking_stream.html()}</details>"
        parts = [self.style.value, self.header.value, thinking, self.thinking_note.value]
        parts += [f"<div class='claude-body'>{self.body.html()}</div>", self.footnotes.value, self.footer.value]
        return f"<div class='{ROOT_CLASS} {NO_MATH_CLASS}'>{''.join(parts)}</div>"

    def _close(self) -> None:
        self.body.close()
        self.thinking_stream.close()
        for widget in (self.header, self.thinking_box, self.thinking_note, self.footnotes, self.footer, self.style):
            widget.close()
        self.widget.close()


class _StaticPanel:
    """The settled panel: its HTML, and a one-line text/plain (the reply is not sent a second time)."""

    def __init__(self, html: str, label: str) -> None:
        self.html, self.label = html, label

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": self.html, "text/plain": self.label}


def _display(widget: widgets.Widget) -> Any:
    return display(widget, display_id=True)
