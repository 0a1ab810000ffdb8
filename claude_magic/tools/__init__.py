"""Tools a cell hands to Claude: kernel functions, MCP servers' tools, and the structured-output schema.

Every tool, whatever its kind, is a `Tool`: a name, the API's tool definition, and a way to call
it blocking (`call`) or awaited (`acall`). Calling returns the `tool_result` content (a string or
content blocks); a `ToolInputError` means the model's arguments did not validate, any other
exception means the tool failed. The loop that runs them lives in `claude_magic._tool_loop`.
"""

from __future__ import annotations

from typing import Any, Protocol

ToolOutput = str | list[dict[str, Any]]


class ToolInputError(ValueError):
    """The model's arguments do not fit the tool's signature; the message says which and why."""


class Tool(Protocol):
    """One tool the model may call."""

    name: str
    source: str  # "function", or "mcp:SERVER"

    def definition(self) -> dict[str, Any]:
        """The API's tool definition: name, description, input_schema."""

    def call(self, arguments: dict[str, Any]) -> ToolOutput:
        """Run the tool, blocking until it returns."""

    async def acall(self, arguments: dict[str, Any]) -> ToolOutput:
        """Run the tool, awaiting it (async functions are awaited, not run in a thread)."""
