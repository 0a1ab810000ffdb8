"""An answered approval leaves no output of its own: the panel's tool row says the verdict and who gave it."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from claude_magic._planning import RequestOptions
from claude_magic._tool_loop import Loop, ToolSet, run_blocking
from claude_magic.agent.gate import DENY, ONCE, AgentGate
from claude_magic.agent.tool import PythonTool
from claude_magic.core.tools import ToolCall
from claude_magic.simulator import ScriptedReply
from claude_magic.ui.approval import ButtonApprover, InputApprover
from claude_magic.ui.panel import tool_row_html


def python(code: str) -> dict[str, Any]:
    return {"type": "tool_use", "name": "python", "input": {"code": code}}


class Answers:
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)

    async def choose(self, call: Any) -> str:
        return self.answers.pop(0)


def _agent_calls(session, sim, gate: AgentGate) -> list[ToolCall]:
    shell = InteractiveShell.instance()
    sim.queue(ScriptedReply(content=(python("x_ = 1"), python("y_ = 2")), stop_reason="tool_use"))
    sim.queue(ScriptedReply(text="Done."))
    toolset = ToolSet({"python": PythonTool(shell, gate, 5)}, approver=gate)
    loop = Loop(session, toolset, lambda event: None)
    run_blocking(loop.run(session.prepare("Do it.", RequestOptions(tools=toolset.definitions()))))
    return loop.calls


def test_agent_rows_say_who_approved_or_denied(session, sim):
    calls = _agent_calls(session, sim, AgentGate(Answers(DENY, ONCE)))
    assert calls[0].outcome() == "denied by you"
    assert calls[1].outcome().endswith(" · approved by you")
    assert "approved by you" in tool_row_html(calls[1]) and "denied by you" in tool_row_html(calls[0])


def test_agent_rows_say_yes_and_the_session_setting(session, sim):
    assert all(c.outcome().endswith("approved by --yes") for c in _agent_calls(session, sim, AgentGate(yes=True)))
    by_session = _agent_calls(session, sim, AgentGate(session=True))
    assert all(c.outcome().endswith("approved by agent_approval = session") for c in by_session)


def test_a_call_nobody_was_asked_about_says_nothing_of_approval():
    assert ToolCall("t1", "f", {}, content="ok").outcome() == "2 chars"
    assert ToolCall("t1", "f", {}, denied=True).outcome() == "denied"


def test_the_answered_box_is_emptied_not_left_below_the_panel(monkeypatch):
    InteractiveShell.instance()
    monkeypatch.setattr(builtins, "input", lambda prompt: "y")
    monkeypatch.setattr("claude_magic.ui.approval.RENDER_WAIT_S", 0.05)  # no frontend here draws the box
    approver = ButtonApprover(5, InputApprover())
    with capture_output() as captured:
        ok = asyncio.run(approver.approve(ToolCall("t1", "get_price", {"sku": "<b>x</b>"})))
    assert ok is True
    shown, last = captured.outputs[0], captured.outputs[-1]
    assert "application/vnd.jupyter.widget-view+json" in shown.data
    assert last.update and last.data == {"text/plain": ""}
    assert last.transient["display_id"] == shown.transient["display_id"]
