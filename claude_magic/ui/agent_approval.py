"""Asking before agent code runs: the code, highlighted, with Approve, Approve the rest of this cell, and Deny.

The same rules as `--confirm` (`ui/approval.py`): buttons only where the cell awaits and the frontend
says it drew them; otherwise the question goes to input() where the frontend answers it, else the
asker raises the one-line reason and the loop denies the call. Answers are ONCE, REST or DENY
(`agent/gate.py`, whose strings these are; ui/ imports nothing above it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..core.tools import ToolCall
from .approval import answer_with, ask_in_box, ask_input, drawn_probe

ONCE, REST, DENY = "once", "rest", "deny"
ANSWERS = {"y": ONCE, "yes": ONCE, "a": REST, "all": REST, "rest": REST}
CODE_CHARS = 20_000  # the box shows at most this much code; the call runs all of it, and input() shows it all
NO_STDIN = (
    "no frontend showed the Approve buttons and this one cannot answer input() (nbclient, papermill and "
    "nbconvert --execute run so); run the cell in JupyterLab or Notebook, or add --yes to approve its calls"
)
VERDICTS = {ONCE: "approved", REST: "approved, with the rest of this cell", DENY: "denied"}


def code_of(call: ToolCall) -> str:
    code = call.input.get("code")
    return code if isinstance(code, str) else ""


def code_html(code: str) -> str:
    """The code highlighted as Python in inline-styled HTML (pygments escapes every character of it)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    shown = code if len(code) <= CODE_CHARS else code[:CODE_CHARS] + f"\n# … {len(code) - CODE_CHARS:,} more characters"
    body = highlight(shown, PythonLexer(), HtmlFormatter(nowrap=True, noclasses=True))
    return f"<pre class='claude-agent-code'>{body}</pre>"


class CodeInput:
    """Asks on input(): prints the code, then `Run it? [y]es / [a]ll the rest of this cell / [N]o`."""

    def __init__(self, ask: Any = None, *, can_ask: bool = True) -> None:
        self.ask, self.can_ask = ask, can_ask

    async def choose(self, call: ToolCall) -> str:
        if self.can_ask:
            print(f"Claude wants to run this code in your kernel:\n{code_of(call)}")
        question = "Run it? [y]es / [a]ll the rest of this cell / [N]o "
        return ANSWERS.get(ask_input(self.ask, question, can_ask=self.can_ask, refusal=NO_STDIN), DENY)


class CodeButtons:
    """Shows the code with three buttons and waits, without blocking the kernel, for a click."""

    def __init__(self, timeout_s: float | None, fallback: CodeInput) -> None:
        self.timeout_s, self.fallback = timeout_s, fallback

    async def choose(self, call: ToolCall) -> str:
        box, decided, rendered = _code_box(call)
        return await ask_in_box(box, decided, rendered, lambda: self.fallback.choose(call), self.timeout_s)


def _code_box(call: ToolCall) -> tuple[Any, asyncio.Future[str], asyncio.Future[bool]]:
    """The box with the code and the three buttons; futures for the click and for the box being drawn."""
    import ipywidgets as widgets

    loop = asyncio.get_running_loop()
    decided: asyncio.Future[str] = loop.create_future()
    rendered: asyncio.Future[bool] = loop.create_future()
    question = widgets.HTML(f"Claude wants to run this code in your kernel: {code_html(code_of(call))}")
    buttons = [
        _button(widgets, "Approve", "success", "check", lambda: answer_with(decided, ONCE)),
        _button(widgets, "Approve the rest of this cell", "info", "check-double", lambda: answer_with(decided, REST)),
        _button(widgets, "Deny", "danger", "times", lambda: answer_with(decided, DENY)),
    ]
    box = widgets.VBox([question, widgets.HBox([*buttons, drawn_probe(rendered)])])
    box.add_class("claude-approval")
    return box, decided, rendered


def _button(widgets: Any, label: str, style: str, icon: str, pressed: Any) -> Any:
    button = widgets.Button(description=label, button_style=style, icon=icon, layout={"width": "auto"})
    button.on_click(lambda _: pressed())
    return button
