"""Panels built without a kernel: a recording display handle stands in for the notebook's output area."""

from __future__ import annotations

from typing import Any

import pytest


class RecordingHandle:
    """What `display(..., display_id=True)` returns, keeping every update."""

    def __init__(self) -> None:
        self.shown: Any = None
        self.updates: list[Any] = []

    def update(self, obj: Any) -> None:
        self.updates.append(obj)


@pytest.fixture
def make_panel():
    from claude_magic.ui.panel import ResponsePanel

    def make(model: str = "claude-opus-5-5", chat: str = "default", **options: Any):
        handle = RecordingHandle()

        def show(widget: Any) -> RecordingHandle:
            handle.shown = widget
            return handle

        return ResponsePanel(model, chat, show=show, **options), handle

    return make
