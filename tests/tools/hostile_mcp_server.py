"""A hostile stdio MCP server for the fault tests: raw JSON-RPC lines, no SDK, so it can break every rule.

`python hostile_mcp_server.py MODE`; MODE picks the tools it lists (`TOOLSETS`) and how it misbehaves:
`names` lists names the Messages API refuses; `schemas` lists bad schemas and huge descriptions; `noisy`
writes lines that are not JSON-RPC to stdout around every answer; `deaf-start` never reads stdin, as a
server stuck starting. Every tool answers with the name it was called by, so a test sees what the server got.
The pid goes to $MCP_TEST_PID_FILE first, if set.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

OBJECT = {"type": "object", "properties": {}}
LONG = "very_long_tool_name_" * 10  # 200 characters
TOOLSETS: dict[str, list[dict[str, Any]]] = {
    "names": [
        {"name": "dotted.name", "inputSchema": OBJECT},
        {"name": "has space", "inputSchema": OBJECT},
        {"name": LONG, "inputSchema": OBJECT},
        {"name": LONG[:-1] + "X", "inputSchema": OBJECT},  # the same first 128 characters
        {"name": "a.b", "inputSchema": OBJECT},
        {"name": "a_b", "inputSchema": OBJECT},  # valid, and what "a.b" sanitises to
        {"name": "", "inputSchema": OBJECT},
        {"name": "add", "inputSchema": OBJECT},  # clashes with the calc server's add
        {"name": "<b>é\x1b[31m</b>", "inputSchema": OBJECT},
        {"name": "trailing\n", "inputSchema": OBJECT},  # Python's `$` matches before a final newline
    ],
    "schemas": [
        {"name": "string_schema", "inputSchema": {"type": "string"}},
        {"name": "no_type", "inputSchema": {"properties": {"q": {"type": "string"}}}},
        {"name": "huge_description", "description": "d" * 2_000_000, "inputSchema": OBJECT},
        {"name": "fine", "description": "A good tool.", "inputSchema": OBJECT},
    ],
    "noisy": [{"name": "fine", "description": "A good tool.", "inputSchema": OBJECT}],
}


def send(message: dict[str, Any], noisy: bool) -> None:
    if noisy:
        sys.stdout.write("Server starting... not JSON\n{broken json\n")
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def answer(request: dict[str, Any], tools: list[dict[str, Any]]) -> dict[str, Any] | None:
    method, params = request.get("method"), request.get("params") or {}
    if "id" not in request:
        return None  # a notification
    if method == "initialize":
        version = params.get("protocolVersion", "2025-06-18")
        info = {"name": "hostile", "version": "1"}
        result: dict[str, Any] = {"protocolVersion": version, "capabilities": {"tools": {}}, "serverInfo": info}
    elif method == "tools/list":
        result = {"tools": tools}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": f"called {params.get('name')!r}"}], "isError": False}
    else:
        return {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "no such method"}}
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


def main(mode: str) -> None:
    if os.environ.get("MCP_TEST_PID_FILE"):
        with open(os.environ["MCP_TEST_PID_FILE"], "w") as file:
            file.write(str(os.getpid()))
    if mode == "deaf-start":
        time.sleep(3600)
    tools = TOOLSETS[mode]
    for line in sys.stdin:
        if line.strip():
            reply = answer(json.loads(line), tools)
            if reply is not None:
                send(reply, mode == "noisy")


if __name__ == "__main__":
    main(sys.argv[1])
