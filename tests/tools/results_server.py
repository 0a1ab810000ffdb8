"""A stdio MCP server whose tools return what a careless or hostile server may: huge, empty or broken content.

tests/faults/test_tool_results.py starts it as a subprocess (the SDK's MCPServer, as in tests/tools/mcp_server.py).
"""

# No `from __future__ import annotations`: MCPServer evaluates the tools' annotations.

from typing import Any


def build() -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ImageContent, TextContent

    server = MCPServer("claude-magic-results")

    @server.tool()
    def huge(size: int) -> str:
        """`size` characters of text."""
        return "m" * size

    @server.tool()
    def empty() -> list[TextContent]:
        """One empty text block."""
        return [TextContent(type="text", text="")]

    @server.tool()
    def broken_image() -> list[ImageContent]:
        """An image block whose data is not base64."""
        return [ImageContent(type="image", data="not base64 at all!", mimeType="image/png")]

    return server


if __name__ == "__main__":
    build().run("stdio")
