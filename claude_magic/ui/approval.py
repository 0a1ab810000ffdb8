"""Asking before a tool call runs: Approve / Deny buttons in a widget frontend, a question on input() elsewhere.

The buttons only work while the cell awaits (IPython's autoawait, see ipython/transform.py):
ipykernel delivers widget messages to an awaiting cell, never to a blocking one. A frontend that
draws no widgets (nbclient, papermill, `nbconvert --execute`) never says the box was drawn: the
question then goes to input() where the frontend answers it, else the call is denied, saying why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anywidget
from IPython.display import display

from ..core.errors import ClaudeMagicError
from ..core.tools import ToolCall
from .safe_html import text_html

Answer = TypeVar("Answer")
YES = ("y", "yes")
RENDER_WAIT_S = 3.0  # a frontend that draws widgets says so well within this
NO_STDIN = (
    "no frontend showed the Approve buttons and this one cannot answer input() (nbclient, papermill and "
    "nbconvert --execute run so); run the cell in JupyterLab or Notebook, or leave out --confirm"
)


def describe(call: ToolCall) -> str:
    """`name(arguments)` with the exact arguments the call would get."""
    return f"{call.name}({call.arguments()})"


class InputApprover:
    """Asks on input(): the terminal's, or the notebook's stdin box when the frontend allows one."""

    def __init__(self, ask: Any = None, *, can_ask: bool = True) -> None:
        self.ask, self.can_ask = ask, can_ask

    async def approve(self, call: ToolCall) -> bool:
        """True on y/yes; a frontend that cannot answer input() raises a one-line ClaudeMagicError."""
        return ask_input(self.ask, f"Run {describe(call)}? [y/N] ", can_ask=self.can_ask, refusal=NO_STDIN) in YES


def ask_input(ask: Any, question: str, *, can_ask: bool, refusal: str) -> str:
    """The answer to `question` on `ask` or input(), lower-cased; where nobody can answer, `refusal` in one line."""
    from IPython.core.error import StdinNotImplementedError

    if not can_ask:
        raise ClaudeMagicError(refusal)
    try:
        answer = (ask or input)(question)  # input as it is now (a kernel swaps it)
    except (StdinNotImplementedError, EOFError):
        raise ClaudeMagicError(refusal) from None
    return str(answer).strip().lower()


class ButtonApprover:
    """Shows the call with Approve / Deny buttons and waits, without blocking the kernel, for a click."""

    def __init__(self, timeout_s: float | None, fallback: InputApprover) -> None:
        self.timeout_s, self.fallback = timeout_s, fallback

    async def approve(self, call: ToolCall) -> bool:
        """The click; no box drawn: the fallback's answer; no click within `timeout_s`: a ClaudeMagicError."""
        box, decided, rendered = _approval_box(call)
        return await ask_in_box(box, decided, rendered, lambda: self.fallback.approve(call), self.timeout_s)


async def ask_in_box(
    box: Any,
    decided: asyncio.Future[Answer],
    rendered: asyncio.Future[bool],
    fallback: Callable[[], Awaitable[Answer]],
    timeout_s: float | None,
) -> Answer:
    """Show `box` and wait for its click, without blocking the kernel; the box is closed and emptied after.

    Not drawn within RENDER_WAIT_S: the `fallback` answers (input(), or its one-line refusal); no click
    within `timeout_s`: a ClaudeMagicError naming the setting.
    """
    handle = display(box, display_id=True)
    try:
        if not await _within(rendered, RENDER_WAIT_S):
            return await fallback()
        if not await _within(decided, timeout_s):
            raise ClaudeMagicError(f"no answer within {timeout_s:g} s (ClaudeMagics.approval_timeout)")
        return decided.result()
    finally:
        _close(box)
        emptied(handle)


def answer_with(future: asyncio.Future[Answer], answer: Answer) -> None:
    """A button's click: the first answer counts."""
    if not future.done():
        future.set_result(answer)


def drawn_probe(rendered: asyncio.Future[bool]) -> RenderProbe:
    """The probe that settles `rendered` when the frontend draws the box it sits in."""
    probe = RenderProbe()
    probe.on_msg(lambda _, content, __: answer_with(rendered, bool(content.get("rendered"))))
    return probe


def _close(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close(child)
    widget.close()


def emptied(handle: Any) -> None:
    """Empty an answered approval's output: the panel's tool row carries the verdict and who gave it."""
    handle.update({"text/plain": ""}, raw=True)


class RenderProbe(anywidget.AnyWidget):  # type: ignore[misc]
    """An empty view in the approval box that tells the kernel it was drawn."""

    _esm = Path(__file__).with_name("approval_view.js")


def _approval_box(call: ToolCall) -> tuple[Any, asyncio.Future[bool], asyncio.Future[bool]]:
    """The box with the question and both buttons; futures for the click and for the box being drawn."""
    import ipywidgets as widgets

    loop = asyncio.get_running_loop()
    decided: asyncio.Future[bool] = loop.create_future()
    rendered: asyncio.Future[bool] = loop.create_future()
    question = widgets.HTML(f"Run <code>{text_html(describe(call))}</code>?")
    approve = widgets.Button(description="Approve", button_style="success", icon="check")
    deny = widgets.Button(description="Deny", button_style="danger", icon="times")
    approve.on_click(lambda _: answer_with(decided, True))
    deny.on_click(lambda _: answer_with(decided, False))
    box = widgets.HBox([question, approve, deny, drawn_probe(rendered)], layout={"align_items": "center"})
    box.add_class("claude-approval")
    return box, decided, rendered


async def _within(future: asyncio.Future[Any], timeout_s: float | None) -> bool:
    """True once `future` is done, False if `timeout_s` passed first (None waits for ever)."""
    try:
        await asyncio.wait_for(asyncio.shield(future), timeout_s)
    except asyncio.TimeoutError:  # TimeoutError itself from Python 3.11
        return False
    return True
