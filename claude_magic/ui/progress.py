"""A progress bar safe to move from a background thread: ipywidgets in a kernel (text at the end), tqdm elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

BAR_WIDTH = "16em"  # fixed: a long label wraps beside the bar instead of squeezing it


class Progress(Protocol):
    def update(self, done: int, note: str) -> None:
        """Show `done` of the total, with a short note (e.g. '120 succeeded, 3 errored')."""

    def close(self, note: str) -> None:
        """The final state, with a closing note."""


class WidgetProgress:
    """IntProgress + a label while the batch runs; at the end its output becomes the final state as HTML and text.

    Only trait values change while it runs (ipywidgets syncs them from any thread). The bar keeps
    its width and the label wraps beside it, so a long note (a retry hint) is never cut off. When
    it closes, the widgets go and the output (by display id) holds the final state, which a saved
    notebook renders with no kernel.
    """

    def __init__(self, total: int, title: str, show: Callable[..., Any] | None = None) -> None:
        import ipywidgets as widgets

        self.title, self.total = title, total
        self.bar = widgets.IntProgress(value=0, min=0, max=max(1, total), layout={"width": BAR_WIDTH, "flex": "none"})
        self.label = widgets.HTML(value=_escape(self._text(0, "")), layout={"flex": "1 1 auto", "min_width": "0"})
        self.box = widgets.HBox([self.bar, self.label], layout={"align_items": "center", "width": "100%"})
        self.handle = (show or _display)(self.box, display_id=True)
        self.done, self.note = 0, ""

    def _text(self, done: int, note: str) -> str:
        return f"{self.title}: {done:,} of {self.total:,}" + (f" ({note})" if note else "")

    def update(self, done: int, note: str) -> None:
        self.done, self.note = done, note
        self.bar.value = min(done, self.total)
        self.label.value = _escape(self._text(done, note))

    def close(self, note: str) -> None:
        self.bar.bar_style = "success"
        self.update(self.total, note)
        for widget in (self.bar, self.label, self.box):
            widget.close()
        if self.handle is not None:
            self.handle.update(FinalProgress(self._text(self.total, note), self.total, self.total))


class FinalProgress:
    """A bar's last state as HTML (a full bar and its label, wrapped beside it) and as text."""

    def __init__(self, label: str, done: int, total: int) -> None:
        self.label, self.done, self.total = label, done, total

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        style = f"flex:none;width:{BAR_WIDTH}"
        bar = f"<progress value='{self.done}' max='{max(1, self.total)}' style='{style}'></progress>"
        label = f"<span style='flex:1 1 auto;min-width:0;overflow-wrap:break-word'>{_escape(self.label)}</span>"
        row = f"<div class='claude-batch-bar' style='display:flex;align-items:center;gap:0.6em'>{bar}{label}</div>"
        return {"text/html": row, "text/plain": self.label}


def _display(obj: Any, **kwargs: Any) -> Any:
    from IPython.display import display

    return display(obj, **kwargs)


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


class TqdmProgress:
    """tqdm.auto's bar (a terminal, or any frontend without widgets)."""

    def __init__(self, total: int, title: str) -> None:
        from tqdm.auto import tqdm

        self.bar: Any = tqdm(total=total, desc=title, unit="row", leave=True)
        self.done = 0

    def update(self, done: int, note: str) -> None:
        self.bar.update(max(0, done - self.done))
        self.done = max(self.done, done)
        if note:
            self.bar.set_postfix_str(note, refresh=True)

    def close(self, note: str) -> None:
        self.update(self.bar.total, note)
        self.bar.close()


def progress_bar(total: int, title: str, *, widgets: bool) -> Progress:
    """The widget bar where the frontend runs widgets, else tqdm."""
    return WidgetProgress(total, title) if widgets else TqdmProgress(total, title)
