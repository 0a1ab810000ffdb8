"""The built-in `python` tool: the model's code, once approved in this cell, runs in the notebook's namespace."""

from __future__ import annotations

import threading
import time
from typing import Any

from ..tools import ToolInputError, ToolOutput
from .gate import TOOL_NAME, AgentGate
from .output import call_output
from .records import ERROR, INTERRUPTED, OK, TIMEOUT
from .run import run

DESCRIPTION = (
    "Run Python code in the user's live Jupyter/IPython kernel, in the notebook's own namespace, as a notebook "
    "cell runs: variables, imports and functions you define stay for later calls and for the user; the notebook's "
    "variables are there to use. The user sees and approves each call before it runs, and may deny it. You get "
    "back what the code printed, the value of its last line if it ends in an expression (a DataFrame as a "
    "summary, a matplotlib figure as an image), figures it drew, or its error with the frames of the code. "
    "Each call has a time limit. Prefer short steps: inspect, then compute, then plot."
)
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"code": {"type": "string", "description": "Python source to run, as a notebook cell's"}},
    "required": ["code"],
}
NOT_APPROVED = "This code was not approved in this cell; it did not run."
NOT_MAIN = "The python tool runs only on the kernel's main thread (leave out --parallel-tools); it did not run."


class PythonTool:
    """`python` for one cell: runs in `shell` what `gate` approved, within `timeout_s` seconds per call."""

    name = TOOL_NAME
    source = "agent"

    def __init__(self, shell: Any, gate: AgentGate, timeout_s: float | None = None, model: str = "") -> None:
        self.shell, self.gate, self.timeout_s, self.model = shell, gate, timeout_s, model

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "description": DESCRIPTION, "input_schema": INPUT_SCHEMA}

    def call(self, arguments: dict[str, Any]) -> ToolOutput:
        """Run the approved code; its failure raises the SDK's ToolError, whose content is the is_error result."""
        code = arguments.get("code")
        if not isinstance(code, str) or set(arguments) - {"code"}:
            raise ToolInputError('python takes {"code": "<python source>"} and nothing else')
        index = self.gate.claim(code)
        if index is None:
            raise _failure(NOT_APPROVED)
        if threading.current_thread() is not threading.main_thread():
            raise _failure(NOT_MAIN)
        started = time.perf_counter()
        try:
            result = run(code, self.shell, self.timeout_s)
        except KeyboardInterrupt:
            self.gate.finish(index, INTERRUPTED, time.perf_counter() - started)
            raise
        self.gate.finish(index, OK if result.ok else TIMEOUT if result.timed_out else ERROR, result.duration_s)
        output = call_output(result, self.model)
        if not result.ok:
            raise _failure(output)
        return output

    async def acall(self, arguments: dict[str, Any]) -> ToolOutput:
        """As `call`: the code runs on the main thread, as a cell does, while the cell awaits."""
        return self.call(arguments)


def _failure(content: ToolOutput) -> Exception:
    from anthropic.lib.tools import ToolError

    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else [dict(b) for b in content]
    return ToolError(blocks)  # type: ignore[arg-type]  # blocks, not a string: the loop sends them as they are
