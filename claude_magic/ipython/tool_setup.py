"""A cell's tool options -> the ToolSet its loop runs: notebook functions, MCP servers' tools and server tools.

Every mistake is one line before anything is sent: a name the notebook lacks, an object that is
not callable or has no schema, an MCP server nobody configured, two tools with one name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from .._tool_loop import DEFAULT_MAX_ROUNDS, Approver, ToolSet

if TYPE_CHECKING:
    from ..tools import Tool
    from ..tools.mcp import McpServers
    from .options import CellOptions

# Server tool versions every current model takes (ANTHROPIC_API.md §12, "Tool use").
WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search"}
WEB_FETCH = {"type": "web_fetch_20250910", "name": "web_fetch"}


def build_toolset(
    options: CellOptions,
    namespace: Mapping[str, Any],
    mcp_servers: Mapping[str, Any],
    registry: Callable[[], McpServers],
    approver: Approver | None,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
) -> ToolSet:
    """The tools a cell names, checked; raises UsageError or a ClaudeMagicError (one line) on the first problem."""
    tools: dict[str, Tool] = {}
    for tool in function_tools(options.tools, namespace):
        _add(tools, tool)
    for tool in mcp_tools(options.mcp, mcp_servers, registry) if options.mcp else []:
        _add(tools, tool)
    return ToolSet(
        tools=tools,
        server=server_tools(options),
        max_rounds=options.max_tool_rounds if options.max_tool_rounds is not None else max_rounds,
        parallel=options.parallel_tools,
        approver=approver if options.confirm else None,
    )


def function_tools(names: tuple[str, ...], namespace: Mapping[str, Any]) -> list[Tool]:
    """A Tool for each notebook name; the schema comes from the function's signature and docstring."""
    from ..tools.functions import function_tool

    missing = [name for name in names if name not in namespace]
    if missing:
        raise UsageError(
            f"--tools: no {', '.join(repr(n) for n in missing)} in the notebook; define the function, then re-run"
        )
    return [function_tool(name, namespace[name]) for name in dict.fromkeys(names)]


def mcp_tools(names: tuple[str, ...], configured: Mapping[str, Any], registry: Callable[[], McpServers]) -> list[Tool]:
    """The tools of the named MCP servers, each started on first use and reused after, named as the API allows."""
    from ..core.errors import McpError
    from ..tools.mcp import McpServerConfig

    for name in names:
        if name not in configured:
            known = f" (configured: {', '.join(sorted(configured))})" if configured else ""
            raise McpError(
                f"--mcp {name}: no such MCP server{known}; add [tool.claude_magic.mcp.{name}] to pyproject.toml "
                f"or %config ClaudeMagics.mcp_servers = {{'{name}': {{'command': ..., 'args': [...]}}}}"
            )
    configs = [McpServerConfig.from_mapping(name, configured[name]) for name in dict.fromkeys(names)]
    return list(registry().tools_for(configs))


def server_tools(options: CellOptions) -> tuple[dict[str, Any], ...]:
    """Anthropic's server tools the cell turns on, as request tool definitions."""
    server: list[dict[str, Any]] = []
    if options.web_search is not None:
        limit = {"max_uses": options.web_search} if options.web_search else {}
        server.append({**WEB_SEARCH, **limit})
    if options.web_fetch:
        server.append(dict(WEB_FETCH))
    return tuple(server)


def _add(tools: dict[str, Tool], tool: Tool) -> None:
    if tool.name in tools:
        other = tools[tool.name].source
        raise UsageError(f"two tools are called {tool.name!r} ({other} and {tool.source}); rename one")
    if tool.name in (WEB_SEARCH["name"], WEB_FETCH["name"]):
        raise UsageError(f"{tool.name!r} is the name of Anthropic's server tool; rename the function")
    tools[tool.name] = tool
