"""A progress bar safe to move from a background thread: ipywidgets in a kernel, tqdm.auto in a terminal."""

from __future__ import annotations

from typing import Any, Protocol


class Progress(Protocol):
    def update(self, done: int, note: str) -> None:
        """Show `done` of the total, with a short note (e.g. '120 succeeded, 3 errored')."""

    def close(self, note: str) -> None:
        """The final state, with a closing note."""


class WidgetProgress:
    """IntProgress + Label; only trait values change after display (ipywidgets syncs them from any thread)."""

    def __init__(self, total: int, title: str) -> None:
        import ipywidgets as widgets
        from IPython.display import display

        self.bar = widgets.IntProgress(value=0, min=0, max=max(1, total), description="")
        self.label = widgets.Label(value=f"{title}: 0 of {total}")
        self.title, self.total = title, total
        display(widgets.HBox([self.bar, self.label]))

    def update(self, done: int, note: str) -> None:
        self.bar.value = min(done, self.total)
        self.label.value = f"{self.title}: {done:,} of {self.total:,}" + (f" ({note})" if note else "")

    def close(self, note: str) -> None:
        self.bar.bar_style = "success"
        self.update(self.total, note)


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
