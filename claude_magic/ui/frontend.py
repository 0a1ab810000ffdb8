"""Whether this kernel's frontend draws our widget views, learnt from the views themselves.

Each live view says "rendered" when the browser mounts it. A blocking cell's kernel handles comm
messages only once the cell ends; ipykernel 7 reads every shell message first on its shell-channel
thread and asks the target comm's `_reply_subshell_for(data, default)` where to route it, so a
view that wraps that method hears the word at once, while its cell runs (`hear_early`). Where that
hook is missing the view stays a widget, and the settled panel (plain HTML) shows the whole reply.
Once a view was not drawn in time (offline VS Code, whose anywidget code comes from a CDN; Colab,
which drops comm messages of later cells; nbclient and papermill, which draw nothing), later
replies in this kernel go straight to plain display outputs.
"""

from __future__ import annotations

from typing import Any

ANSWER_WITHIN_S = 1.0  # a frontend that draws widgets says so well within this


class RenderWatch:
    """Remembers whether a view of this kernel was ever left undrawn."""

    def __init__(self) -> None:
        self.undrawn = False

    def failed(self) -> None:
        self.undrawn = True

    def draws_views(self) -> bool:
        return not self.undrawn


WATCH = RenderWatch()


def hear_early(widget: Any) -> bool:
    """Make `widget` note its "rendered" word as the kernel receives it; False where the kernel has no such hook."""
    comm = getattr(widget, "comm", None)
    route = getattr(comm, "_reply_subshell_for", None)
    if comm is None or not callable(route):
        return False

    def routed(data: Any, default: Any) -> Any:
        content = data.get("content") if isinstance(data, dict) else None
        if isinstance(content, dict) and content.get("rendered") is True:
            widget.rendered = True
        return route(data, default)

    comm._reply_subshell_for = routed
    return True
