"""The simulator's unscripted agent through the real engine: its calls run in a real shell and its answer quotes them.

What the notebook tour relies on offline: the simulator writes the calls, the engine runs them in the
namespace, the results go back, and the answer quotes a number the kernel computed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from claude_magic._planning import RequestOptions
from claude_magic._tool_loop import Loop, ToolSet, run_blocking
from claude_magic.agent.gate import DENY, ONCE, AgentGate
from claude_magic.agent.records import proposed_cell
from claude_magic.agent.tool import PythonTool

ROWS = [(f"2024-{m:02d}-15", region, base * m) for m in range(1, 7) for region, base in (("North", 100), ("South", 80))]


def write_sales(folder: Path) -> Path:
    path = folder / "sales.csv"
    path.write_text("date,region,revenue\n" + "".join(f"{d},{r},{v}\n" for d, r, v in ROWS))
    return path


def agent(session: Any, shell: Any, gate: AgentGate, prompt: str) -> Any:
    toolset = ToolSet({"python": PythonTool(shell, gate, 30)}, approver=gate)
    loop = Loop(session, toolset, lambda event: None)
    return run_blocking(loop.run(session.prepare(prompt, RequestOptions(tools=toolset.definitions()))))


def tool_results(sim: Any) -> list[dict[str, Any]]:
    return [
        block
        for request in sim.requests
        for block in request.body["messages"][-1]["content"]
        if isinstance(block, dict) and block.get("type") == "tool_result"
    ]


class Answers:
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)

    async def choose(self, call: Any) -> str:
        return self.answers.pop(0)


def test_load_clean_plot_runs_in_the_namespace_and_the_answer_quotes_the_kernels_total(session, sim, shell, tmp_path):
    shell.user_ns.pop("sales", None)
    gate = AgentGate(yes=True)
    reply = agent(
        session, shell, gate, f"Load {write_sales(tmp_path)}, clean the dates, and plot monthly revenue by region."
    )
    sales = shell.user_ns["sales"]
    assert str(sales["date"].dtype).startswith("datetime64") and len(sales) == len(ROWS)
    total = sum(v for _, _, v in ROWS)
    assert f"**{total}**" in reply.text and "I ran 4 calls" in reply.text
    summary = shell.user_ns["sales_summary"]
    assert summary.loc[pd.Period("2024-06", "M"), "North"] == 600
    plotted = tool_results(sim)[-1]["content"]
    assert any(block["type"] == "image" for block in plotted)
    codes = [record.code for record in gate.records]
    assert len(codes) == 4 and all(code in proposed_cell(gate.records) for code in codes)


def test_a_denied_step_leaves_the_namespace_as_it_was_and_the_answer_says_so(session, sim, shell, tmp_path):
    shell.user_ns.pop("sales", None)
    gate = AgentGate(Answers(ONCE, DENY))
    reply = agent(session, shell, gate, f"Load {write_sales(tmp_path)} and clean the dates.")
    assert not str(shell.user_ns["sales"]["date"].dtype).startswith("datetime64")
    assert "**not run**" in reply.text and "denied" in reply.text and len(gate.records) == 2


def test_a_frame_in_the_namespace_is_found_by_the_survey(session, sim, shell):
    for name in [n for n, v in shell.user_ns.items() if isinstance(v, pd.DataFrame)]:
        del shell.user_ns[name]
    shell.user_ns["orders"] = pd.DataFrame({"city": ["Oslo", "Oslo", "Rome"], "amount": [10.0, 30.0, 5.0]})
    reply = agent(session, shell, AgentGate(yes=True), "What is the average amount by city?")
    assert shell.user_ns["orders_summary"].to_dict() == {"Oslo": 20.0, "Rome": 5.0}
    assert "**15.0**" in reply.text
