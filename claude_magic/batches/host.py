"""What batches need from the notebook that runs them: its names, its attachments, its voice, bars, main thread."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

MainThread = Callable[[Callable[[], None]], None]  # runs a function on the kernel's main thread, between cells


class Bar(Protocol):
    """A progress bar that may be moved from a background thread."""

    def update(self, done: int, note: str) -> None:
        """Show `done` of the total, with a short note."""

    def close(self, note: str) -> None:
        """The final state, with a closing note."""


class BatchHost(Protocol):
    """The notebook side of a batch line (ipython/batch_command.py gives one for a shell)."""

    @property
    def namespace(self) -> Mapping[str, Any]:
        """The user's names: frames and --schema models."""

    def say(self, line: str) -> None:
        """Tell the user one line (printed under the cell)."""

    def bar(self, total: int, title: str) -> Bar:
        """A new progress bar of `total` rows."""

    def attach(self, names: list[str], model: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The content blocks and exchange records of `-a names`, for `model`."""

    def main_thread(self) -> MainThread | None:
        """How to run work on the kernel's main thread between cells; None outside a kernel."""
