"""A small stdio MCP server the MCP tests start as a subprocess, written with the official SDK's MCPServer (ex-FastMCP).

`python mcp_server.py [MODE]`: no MODE serves the tools in `build()`; `exit-at-start` writes two lines to
stderr and exits 2 before speaking MCP; `hang-at-start` never answers `initialize`. In every mode the
process first writes its pid to the file named by $MCP_TEST_PID_FILE, if set, before importing the SDK,
so a test knows the process even when it is stopped during start.
"""

# No `from __future__ import annotations`: MCPServer evaluates the tools' annotations, and `Image` is local to build().

import base64
import os
import sys
import time
from typing import Any

# The smallest valid PNG: one transparent pixel.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def build() -> Any:
    """The server and its tools."""
    import anyio
    from mcp.server.mcpserver import Image, MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("claude-magic-test")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    async def slow_echo(text: str, seconds: float = 0.0) -> str:
        """Return `text` after `seconds`."""
        await anyio.sleep(seconds)
        return text

    @server.tool()
    def pid() -> int:
        """This server's process id."""
        return os.getpid()

    @server.tool()
    def fail(message: str) -> str:
        """Fail with `message` (an MCP result with isError)."""
        raise ToolError(message)

    @server.tool()
    def pixel() -> Image:
        """A one-pixel PNG."""
        return Image(data=PIXEL, format="png")

    @server.tool()
    def die(code: int = 3) -> str:
        """Exit the server process at once with `code`, mid-call."""
        print(f"dying with {code}", file=sys.stderr, flush=True)
        os._exit(code)

    return server


def main(mode: str) -> None:
    if os.environ.get("MCP_TEST_PID_FILE"):
        with open(os.environ["MCP_TEST_PID_FILE"], "w") as file:
            file.write(str(os.getpid()))
    if mode == "exit-at-start":
        print("loading config", file=sys.stderr)
        print("fatal: no database at /nowhere", file=sys.stderr)
        sys.exit(2)
    if mode == "hang-at-start":
        time.sleep(3600)
    build().run("stdio")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
