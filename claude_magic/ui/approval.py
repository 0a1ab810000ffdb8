"""Asking before a tool call runs: Approve / Deny buttons in a widget frontend, a question on input() elsewhere.

The buttons only work while the cell awaits (IPython's autoawait, see ipython/transform.py):
ipykernel delivers widget messages to an awaiting cell, never to a blocking one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from IPython.display import HTML, display

from ..core.tools import ToolCall
from .safe_html import text_html

YES = ("y", "yes")


def describe(call: ToolCall) -> str:
    """`name(arguments)` with the exact arguments the call would get."""
    return f"{call.name}({call.arguments()})"


class InputApprover:
    """Asks on input(): the terminal's, or the notebook's stdin box when the cell blocks."""

    def __init__(self, ask: Any = input) -> None:
        self.ask = ask

    async def approve(self, call: ToolCall) -> bool:
        answer = self.ask(f"Run {describe(call)}? [y/N] ")
        return str(answer).strip().lower() in YES


class ButtonApprover:
    """Shows the call with Approve / Deny buttons and waits, without blocking the kernel, for a click."""

    async def approve(self, call: ToolCall) -> bool:
        import ipywidgets as widgets

        decided: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        question = widgets.HTML(f"Run <code>{text_html(describe(call))}</code>?")
        approve = widgets.Button(description="Approve", button_style="success", icon="check")
        deny = widgets.Button(description="Deny", button_style="danger", icon="times")
        approve.on_click(lambda _: decided.done() or decided.set_result(True))
        deny.on_click(lambda _: decided.done() or decided.set_result(False))
        box = widgets.HBox([question, approve, deny], layout={"align_items": "center"})
        box.add_class("claude-approval")
        handle = display(box, display_id=True)
        try:
            ok = await decided
        finally:
            box.close()
        verdict = "approved" if ok else "denied"
        handle.update(HTML(f"<div class='claude-approval'>{verdict}: <code>{text_html(describe(call))}</code></div>"))
        return ok
