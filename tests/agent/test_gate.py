"""Who lets agent code run, and the python tool running only what was approved in this cell."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from anthropic.lib.tools import ToolError

from claude_magic.agent.gate import DENY, ONCE, REST, AgentGate
from claude_magic.agent.output import NOTHING
from claude_magic.agent.records import NOBODY, SESSION, USER, YES
from claude_magic.agent.tool import NOT_APPROVED, NOT_MAIN, PythonTool
from claude_magic.core.errors import ClaudeMagicError
from claude_magic.core.tools import ToolCall
from claude_magic.tools import ToolInputError
from claude_magic.ui.agent_approval import CodeInput


def call(code: Any, id: str = "toolu_1", name: str = "python") -> ToolCall:
    return ToolCall(id, name, {"code": code})


class Answers:
    def __init__(self, *answers: str) -> None:
        self.answers, self.asked = list(answers), []

    async def choose(self, call: ToolCall) -> str:
        self.asked.append(call.input["code"])
        return self.answers.pop(0)


def decide(gate: AgentGate, *calls: ToolCall) -> list[bool]:
    async def all_of() -> list[bool]:
        return [await gate.approve(c) for c in calls]

    return asyncio.run(all_of())


def verdicts(gate: AgentGate) -> list[tuple[str, str, str]]:
    return [(r.code, r.verdict, r.by) for r in gate.records]


def test_yes_and_the_session_setting_approve_without_asking():
    asker = Answers()
    assert decide(AgentGate(asker, yes=True), call("a = 1")) == [True]
    gate = AgentGate(asker, session=True)
    assert decide(gate, call("b = 2")) == [True] and asker.asked == []
    assert verdicts(gate) == [("b = 2", "approved", SESSION)]
    gate = AgentGate(asker, yes=True, session=True)
    decide(gate, call("c"))
    assert gate.records[0].by == YES  # the cell's own word is named first


def test_the_user_approves_once_denies_or_approves_the_rest_of_the_cell():
    asker = Answers(ONCE, DENY, REST)
    gate = AgentGate(asker)
    got = decide(gate, *(call(code, f"t{n}") for n, code in enumerate(["one", "two", "three", "four", "five"])))
    assert got == [True, False, True, True, True]
    assert asker.asked == ["one", "two", "three"]  # after "the rest", nobody is asked
    assert [r.by for r in gate.records] == [USER] * 5
    assert [r.verdict for r in gate.records] == ["approved", "denied", "approved", "approved", "approved"]


def test_with_nobody_to_ask_a_call_is_denied_in_one_line_and_recorded():
    gate = AgentGate(None)
    with pytest.raises(ClaudeMagicError, match="add --yes"):
        decide(gate, call("import os"))
    gate = AgentGate(CodeInput(can_ask=False))
    with pytest.raises(ClaudeMagicError, match="no frontend showed the Approve buttons") as error:
        decide(gate, call("import os"))
    assert "\n" not in error.value.message
    assert verdicts(gate) == [("import os", "denied", NOBODY)]


def test_input_shows_the_code_and_reads_the_three_answers(capsys):
    for typed, answer in (("y", ONCE), ("a", REST), ("all", REST), ("", DENY), ("no", DENY), ("YES ", ONCE)):
        asker = CodeInput(ask=lambda prompt, typed=typed: typed)
        assert asyncio.run(asker.choose(call("print('hi')"))) == answer
    assert "print('hi')" in capsys.readouterr().out


def test_other_tools_of_the_cell_go_to_its_confirm_approver_or_run():
    asker = Answers()
    assert decide(AgentGate(asker), call("x", name="get_price")) == [True]

    class No:
        async def approve(self, call: ToolCall) -> bool:
            return False

    assert decide(AgentGate(asker, other=No()), call("x", name="get_price")) == [False]
    assert asker.asked == []


def test_the_tool_runs_only_code_approved_in_this_cell_and_each_approval_once(shell):
    gate = AgentGate(Answers(ONCE), yes=False)
    tool = PythonTool(shell, gate)
    shell.user_ns.pop("smuggled", None)
    with pytest.raises(ToolError, match=NOT_APPROVED):
        tool.call({"code": "smuggled = 1"})  # never approved: a transcript's or metadata's code, say
    assert "smuggled" not in shell.user_ns
    decide(gate, call("approved_once = 1"))
    assert tool.call({"code": "approved_once = 1"}) == NOTHING
    with pytest.raises(ToolError, match=NOT_APPROVED):
        tool.call({"code": "approved_once = 1"})
    assert [(r.outcome, r.by) for r in gate.records] == [("ok", USER)]


def test_a_denied_call_cannot_be_run_by_the_tool(shell):
    gate = AgentGate(Answers(DENY))
    decide(gate, call("denied_var = 1"))
    shell.user_ns.pop("denied_var", None)
    with pytest.raises(ToolError, match=NOT_APPROVED):
        PythonTool(shell, gate).call({"code": "denied_var = 1"})
    assert "denied_var" not in shell.user_ns


def test_bad_input_is_refused_before_anything_runs(shell):
    tool = PythonTool(shell, AgentGate(yes=True))
    for arguments in ({}, {"code": 3}, {"code": "x = 1", "cwd": "/"}):
        with pytest.raises(ToolInputError):
            tool.call(arguments)
    assert decide(AgentGate(None), call(None)) == [True]  # no code: nothing to approve, the tool refuses it


def test_off_the_main_thread_the_tool_refuses(shell):
    import threading

    gate = AgentGate(yes=True)
    decide(gate, call("thread_var = 1"))
    errors: list[BaseException] = []
    worker = threading.Thread(target=lambda: _catch(errors, PythonTool(shell, gate).call, {"code": "thread_var = 1"}))
    worker.start()
    worker.join()
    assert isinstance(errors[0], ToolError) and NOT_MAIN in str(errors[0])


def _catch(errors: list[BaseException], func: Any, *args: Any) -> None:
    try:
        func(*args)
    except BaseException as error:
        errors.append(error)


def test_a_failed_call_raises_a_tool_error_whose_blocks_carry_the_frames(shell):
    gate = AgentGate(yes=True)
    decide(gate, call("print('partial')\n1 / 0"))
    with pytest.raises(ToolError) as error:
        PythonTool(shell, gate).call({"code": "print('partial')\n1 / 0"})
    text = error.value.content[0]["text"]
    assert text.startswith("[printed]\npartial\n[error]\nTraceback (user code, innermost last):\n  <agent call")
    assert gate.records[0].outcome == "error"
