"""Who lets an agent call run: `--yes` for the cell, `agent_approval = "session"` set by the user, or the user's answer.

`AgentGate` is the cell's one `Approver` (`_tool_loop.Approver`): it decides the `python` tool's calls
and passes the cell's other tools to the `--confirm` approver, if any. It keeps an `AgentRecord` per
call, approved or denied and by whom; `PythonTool` runs only code whose approval it claims here.
An asker that cannot ask (no frontend draws the buttons and none answers input()) raises, and the
loop denies the call in one line: nothing runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..core.defaults import AGENT_APPROVALS as AGENT_APPROVALS
from ..core.tools import ToolCall
from .records import APPROVED, DENIED, NOBODY, NOT_RUN, SESSION, USER, YES, AgentRecord

if TYPE_CHECKING:
    from .._tool_loop import Approver

TOOL_NAME = "python"
DECIDERS = {USER: "you", YES: "--yes", SESSION: "agent_approval = session"}  # as a tool row says who approved
ONCE, REST, DENY = "once", "rest", "deny"  # an asker's answers


class Asker(Protocol):
    """Shows a call's code and returns ONCE, REST (the rest of this cell too) or DENY; raises when it cannot ask."""

    async def choose(self, call: ToolCall) -> str: ...


@dataclass
class AgentGate:
    """The approvals of one agent cell, in the order the model asked for the calls."""

    asker: Asker | None = None  # None: nobody can be asked; only --yes or the session setting approve
    yes: bool = False
    session: bool = False
    other: Approver | None = None
    records: list[AgentRecord] = field(default_factory=list)
    rest: bool = False  # the user approved the rest of this cell
    _claimed: set[int] = field(default_factory=set)

    async def approve(self, call: ToolCall) -> bool:
        """True to run the call; a call of another tool goes to the cell's --confirm approver, if any."""
        if call.name != TOOL_NAME:
            return True if self.other is None else await self.other.approve(call)
        code = call.input.get("code")
        if not isinstance(code, str):
            return True  # no code to run: the tool refuses the input, saying what it needs
        standing = YES if self.yes else SESSION if self.session else USER if self.rest else None
        if standing is not None:
            self._note(call, code, APPROVED, standing)
            return True
        return await self._ask(call, code)

    def will_ask(self, call: ToolCall) -> bool:
        """Whether deciding `call` waits for someone (else --yes, the session setting or the rest decide it)."""
        if call.name != TOOL_NAME:
            return self.other is not None
        return not (self.yes or self.session or self.rest)

    async def _ask(self, call: ToolCall, code: str) -> bool:
        if self.asker is None:
            self._note(call, code, DENIED, NOBODY)
            raise _nobody()
        try:
            answer = await self.asker.choose(call)
        except Exception:
            self._note(call, code, DENIED, NOBODY)
            raise
        self.rest = self.rest or answer == REST
        ok = answer in (ONCE, REST)
        self._note(call, code, APPROVED if ok else DENIED, USER)
        return ok

    def decided_by(self, call: ToolCall) -> str:
        """Who approved or denied `call` ("you", "--yes", "the session setting"); "" when nobody was asked."""
        if call.name != TOOL_NAME:
            if self.other is None:
                return ""
            decided_by = getattr(self.other, "decided_by", None)
            return str(decided_by(call)) if callable(decided_by) else "you"
        by = next((record.by for record in reversed(self.records) if record.call_id == call.id), "")
        return DECIDERS.get(by, "")

    def _note(self, call: ToolCall, code: str, verdict: str, by: str) -> None:
        self.records.append(AgentRecord(call.id, code, verdict, by))

    def claim(self, code: str) -> int | None:
        """The index of the first approved call with exactly this code that has not run; None if there is none."""
        for index, record in enumerate(self.records):
            if index in self._claimed or record.verdict != APPROVED or record.outcome != NOT_RUN:
                continue
            if record.code == code:
                self._claimed.add(index)
                return index
        return None

    def finish(self, index: int, outcome: str, duration_s: float) -> None:
        self.records[index] = self.records[index].ran(outcome, duration_s)


def _nobody() -> Exception:
    from ..core.errors import ClaudeMagicError

    return ClaudeMagicError("no one can approve agent code here; run the cell in JupyterLab or Notebook, or add --yes")
