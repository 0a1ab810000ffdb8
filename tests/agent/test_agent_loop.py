"""The agent through the real tool loop, the real SDK and the strict simulator: what runs, what goes back."""

from __future__ import annotations

from typing import Any

import pytest

from claude_magic._planning import RequestOptions
from claude_magic._tool_loop import Loop, ToolSet, run_blocking
from claude_magic.agent.gate import DENY, ONCE, AgentGate
from claude_magic.agent.records import proposed_cell, with_rounds
from claude_magic.agent.tool import PythonTool
from claude_magic.core.tools import DENIED
from claude_magic.simulator import ScriptedReply
from claude_magic.ui.agent_approval import CodeInput


def python(code: str) -> dict[str, Any]:
    return {"type": "tool_use", "name": "python", "input": {"code": code}}


def asks(*uses: dict[str, Any]) -> ScriptedReply:
    return ScriptedReply(content=({"type": "text", "text": "Let me run that."}, *uses), stop_reason="tool_use")


def agent(session: Any, shell: Any, gate: AgentGate, prompt: str = "Do the work.", timeout_s: float = 5) -> Any:
    toolset = ToolSet({"python": PythonTool(shell, gate, timeout_s)}, approver=gate)
    loop = Loop(session, toolset, lambda event: None)
    reply = run_blocking(loop.run(session.prepare(prompt, RequestOptions(tools=toolset.definitions()))))
    return reply, loop


def results(sim: Any) -> list[dict[str, Any]]:
    return [b for b in sim.requests[-1].body["messages"][-1]["content"] if b["type"] == "tool_result"]


class Answers:
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)

    async def choose(self, call: Any) -> str:
        return self.answers.pop(0)


def test_a_variable_it_defines_stays_and_its_printed_value_goes_back(session, sim, shell):
    shell.user_ns.pop("revenue", None)
    sim.queue(asks(python("revenue = sum([120, 80])\nprint('revenue', revenue)")))
    sim.queue(ScriptedReply(text="Revenue is 200."))
    reply, _ = agent(session, shell, AgentGate(yes=True))
    assert shell.user_ns["revenue"] == 200 and reply.text.endswith("Revenue is 200.")
    assert results(sim)[0]["content"] == "[printed]\nrevenue 200" and "is_error" not in results(sim)[0]


def test_a_call_that_raises_is_an_error_result_and_the_loop_goes_on(session, sim, shell):
    sim.queue(asks(python("rows = {}\nrows['missing']")))
    sim.queue(asks(python("rows = {'missing': 1}\nrows['missing']")))
    sim.queue(ScriptedReply(text="Fixed it."))
    gate = AgentGate(yes=True)
    reply, _ = agent(session, shell, gate)
    first = sim.requests[1].body["messages"][-1]["content"][0]
    assert first["is_error"] is True
    text = first["content"][0]["text"]
    assert "KeyError: 'missing'" in text and "<agent call" in text and "claude_magic" not in text
    assert results(sim)[0]["content"] == "[value]\n1" and reply.text.endswith("Fixed it.")
    assert [r.outcome for r in gate.records] == ["error", "ok"]


def test_a_denied_call_runs_nothing_and_the_model_is_told(session, sim, shell):
    shell.user_ns.pop("dropped", None)
    shell.user_ns.pop("kept", None)
    sim.queue(asks(python("dropped = 1"), python("kept = 2")))
    sim.queue(ScriptedReply(text="OK."))
    gate = AgentGate(Answers(DENY, ONCE))
    agent(session, shell, gate)
    assert "dropped" not in shell.user_ns and shell.user_ns["kept"] == 2
    denied, ran = results(sim)
    assert denied["content"] == DENIED and denied["is_error"] is True and "is_error" not in ran
    assert proposed_cell(gate.records).endswith("\n\nkept = 2\n") and "dropped" not in proposed_cell(gate.records)


def test_where_nobody_can_answer_and_no_yes_the_call_is_denied_in_one_line(session, sim, shell):
    shell.user_ns.pop("headless", None)
    sim.queue(asks(python("headless = 1")))
    sim.queue(ScriptedReply(text="I could not run it."))
    statuses: list[str] = []
    gate = AgentGate(CodeInput(can_ask=False))
    toolset = ToolSet({"python": PythonTool(shell, gate, 5)}, approver=gate)
    prepared = session.prepare("Do it.", RequestOptions(tools=toolset.definitions()))
    run_blocking(Loop(session, toolset, lambda e: None, statuses.append).run(prepared))
    assert "headless" not in shell.user_ns
    said = [s for s in statuses if "denied" in s]
    assert len(said) == 1 and "\n" not in said[0] and said[0].startswith("python was denied: no frontend")
    assert results(sim)[0]["content"].startswith("Nobody approved this tool call")
    assert [(r.verdict, r.by) for r in gate.records] == [("denied", "nobody")]


def test_the_proposed_cell_is_the_approved_code_in_order_with_rounds_and_hashes(session, sim, shell):
    steps = ["import math", "area = math.pi * 2 ** 2", "round(area, 2)"]
    sim.queue(asks(python(steps[0]), python(steps[1])))
    sim.queue(asks(python(steps[2])))
    sim.queue(ScriptedReply(text="Area is 12.57."))
    gate = AgentGate(yes=True)
    _, loop = agent(session, shell, gate)
    records = with_rounds(gate.records, [r.content for r in loop.rounds])
    assert [r.round for r in records] == [1, 1, 2]
    assert proposed_cell(records).split("\n\n")[1:] == [*steps[:2], steps[2] + "\n"]
    assert results(sim)[0]["content"] == "[value]\n12.57"


def test_a_timeout_is_an_error_result_and_the_next_round_is_sent(session, sim, shell):
    sim.queue(asks(python("import time\ntime.sleep(60)")))
    sim.queue(ScriptedReply(text="That took too long."))
    gate = AgentGate(yes=True)
    reply, _ = agent(session, shell, gate, timeout_s=1)
    assert "stopped after 1 s (ClaudeMagics.agent_timeout)" in results(sim)[0]["content"][0]["text"]
    assert gate.records[0].outcome == "timeout" and reply.text.endswith("too long.")


@pytest.mark.parametrize("code", ["import sys\nsys.exit(2)", "del get_ipython"])
def test_exit_or_deleting_get_ipython_leaves_the_loop_and_kernel_working(session, sim, shell, code):
    sim.queue(asks(python(code)))
    sim.queue(ScriptedReply(text="Done."))
    reply, _ = agent(session, shell, AgentGate(yes=True))
    assert reply.text.endswith("Done.") and shell.user_ns["get_ipython"]() is shell
