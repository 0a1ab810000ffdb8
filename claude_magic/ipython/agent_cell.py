"""One `%%claude --agent` cell: its gate and `python` tool joined to the cell's tools, and what it leaves behind.

The cell has one `AgentGate`: `--yes`, the user's own `agent_approval = "session"`, or the user's answer
(`ui/agent_approval.py`: buttons where the cell awaits in a widget frontend, input() where the frontend
answers it, else nobody, and each call is denied in one line). After the loop, however it ended, the code
that ran is offered as the next cell (as `-f code` does) and each call's provenance joins the output's.
A replayed cell asks again: the gate is new in every cell and the tool runs only what it approved.
The notebook context (issue 25) reaches an agent cell as it reaches any cell, through `ClaudeMagics._cell` and
`_prepare`: nothing here adds or removes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ..agent.gate import TOOL_NAME, AgentGate

if TYPE_CHECKING:
    from .._tool_loop import Approver, Loop, ToolSet
    from ..agent.gate import Asker
    from ..agent.records import AgentRecord

AGENT_KEY = "agent"  # under metadata["claude_magic"]: one row per python call (agent/records.AgentRecord.provenance)


@dataclass
class AgentCell:
    """The gate of one agent cell and the loop that ran it (for each call's round)."""

    gate: AgentGate
    loop: Loop | None = None

    @classmethod
    def start(cls, asker: Asker | None, *, yes: bool, session: bool, other: Approver | None) -> AgentCell:
        return cls(AgentGate(asker, yes=yes, session=session, other=other))

    def toolset(self, toolset: ToolSet, shell: Any, timeout_s: float | None, model: str) -> ToolSet:
        """The cell's tools with `python` first, every call through the gate, one call at a time."""
        from ..agent.tool import PythonTool

        if TOOL_NAME in toolset.tools:
            raise UsageError(f"--agent brings its own tool named {TOOL_NAME!r}; rename the other one")
        tool = PythonTool(shell, self.gate, timeout_s, model)
        return replace(toolset, tools={TOOL_NAME: tool, **toolset.tools}, approver=self.gate, parallel=False)

    def records(self) -> list[AgentRecord]:
        """Every python call of the cell in order, with its round."""
        from ..agent.records import with_rounds

        rounds = [reply.content for reply in self.loop.rounds] if self.loop is not None else []
        return with_rounds(self.gate.records, rounds)

    def carried(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """The output's metadata with a row per python call: its code's hash, verdict, by whom, round, outcome."""
        from ..core.provenance import METADATA_KEY

        costs = [reply.cost_usd for reply in self.loop.rounds] if self.loop is not None else []
        rows = [_row(record, costs) for record in self.records()]
        if not rows or METADATA_KEY not in metadata:
            return metadata
        return {**metadata, METADATA_KEY: {**metadata[METADATA_KEY], AGENT_KEY: rows}}

    def propose(self, shell: Any) -> None:
        """The code that ran, in order, as a new cell below (as `-f code` offers its code); nothing if none ran."""
        from ..agent.records import proposed_cell

        code = proposed_cell(self.records())
        if code:
            shell.set_next_input(code, replace=False)


def code_asker(buttons: bool, can_ask: bool, timeout_s: float | None) -> Asker:
    """The code with Approve / Approve the rest / Deny buttons, or the question on input() (which may not be asked)."""
    from ..ui.agent_approval import CodeButtons, CodeInput

    asker = CodeInput(can_ask=can_ask)
    return CodeButtons(timeout_s, asker) if buttons else asker


def _row(record: AgentRecord, costs: list[float | None]) -> dict[str, Any]:
    """A call's provenance with the cost of the round that asked for it (None when unknown)."""
    number = record.round
    cost = costs[number - 1] if number is not None and 0 < number <= len(costs) else None
    return {**record.provenance(), "round_cost_usd": cost}
