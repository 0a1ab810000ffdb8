"""A hostile stdio MCP server for the fault tests: raw JSON-RPC lines, no SDK, so it can break every rule.

`python hostile_mcp_server.py MODE`; MODE picks the tools it lists (`TOOLSETS`) and how it misbehaves:
`names` lists names the Messages API refuses; `schemas` lists schemas it refuses, a name twice and a
huge description; `not-object` a schema the MCP SDK refuses; `noisy` writes lines that are not JSON-RPC
to stdout around every answer, `noisy-mute` writes only those; `deaf-start` never reads stdin, as a
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
        {"name": "unknown_type", "inputSchema": {"type": "object", "properties": {"q": {"type": "strin"}}}},
        {"name": "numeric_additional", "inputSchema": {"type": "object", "additionalProperties": 5}},
        {"name": "huge_schema", "inputSchema": {"type": "object", "description": "s" * 200_000}},
        {"name": "huge_description", "description": "d" * 2_000_000, "inputSchema": OBJECT},
        {"name": "twice", "inputSchema": OBJECT},
        {"name": "twice", "inputSchema": {"type": "object", "properties": {"x": {"type": "string"}}}},
        {"name": "fine", "description": "A good tool.", "inputSchema": OBJECT},
    ],
    "not-object": [
        {"name": "fine", "inputSchema": OBJECT},
        {"name": "string_schema", "inputSchema": {"type": "string"}},  # the MCP SDK refuses the whole list
    ],
    "noisy": [{"name": "fine", "description": "A good tool.", "inputSchema": OBJECT}],
}


def send_noise() -> None:
    sys.stdout.write("Server starting... not JSON\n{broken json\n")
    sys.stdout.flush()


def send(message: dict[str, Any], noisy: bool) -> None:
    if noisy:
        send_noise()
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
    tools = TOOLSETS.get(mode, [])
    for line in sys.stdin:
        if mode == "noisy-mute":
            send_noise()
        elif line.strip():
            reply = answer(json.loads(line), tools)
            if reply is not None:
                send(reply, mode == "noisy")


if __name__ == "__main__":
    main(sys.argv[1])
