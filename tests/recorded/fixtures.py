"""Recorded API bodies, served over loopback and read back independently of `claude_magic`."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent.parent / "fixtures" / "recorded"

SSE_FIXTURES = sorted(p.name for p in RECORDED.glob("*.sse"))
JSON_FIXTURES = sorted(p.name for p in RECORDED.glob("*.json"))

_CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key"})


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the loopback server answered, credential headers left out."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The request body parsed as JSON."""
        return json.loads(self.body)


class ServedURL(str):
    """The base URL of a running loopback server, carrying the requests it has received so far."""

    requests: list[ReceivedRequest]


@contextmanager
def serve_recorded(path: Path) -> Iterator[ServedURL]:
    """Serve `path`'s bytes to every POST /v1/messages on 127.0.0.1 and yield the base URL.

    `.sse` files go out as `text/event-stream`, `.json` files as `application/json`.
    """
    body = path.read_bytes()
    content_type = "text/event-stream; charset=utf-8" if path.suffix == ".sse" else "application/json"
    received: list[ReceivedRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            headers = {k.lower(): v for k, v in self.headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
            received.append(ReceivedRequest("POST", self.path, headers, self.rfile.read(length)))
            if self.path.split("?")[0] != "/v1/messages":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    url = ServedURL(f"http://127.0.0.1:{server.server_address[1]}")
    url.requests = received
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def sse_events(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Every (event name, parsed data) frame of an SSE body, pings included, in order."""
    frames: list[tuple[str, dict[str, Any]]] = []
    for block in raw.decode("utf-8").replace("\r\n", "\n").split("\n\n"):
        name, data = "", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].lstrip(" "))
        if name and data:
            frames.append((name, json.loads("\n".join(data))))
    return frames


@dataclass
class Expected:
    """A reply rebuilt from raw frames by plain dict operations."""

    model: str = ""
    message_id: str = ""
    start_usage: dict[str, Any] = field(default_factory=dict)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    stop_reason: str | None = None
    stop_details: dict[str, Any] | None = None
    text_chunks: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(b["text"] for b in self.blocks if b["type"] == "text")

    @property
    def thinking(self) -> str:
        return "".join(b["thinking"] for b in self.blocks if b["type"] == "thinking")

    @property
    def citations(self) -> list[dict[str, Any]]:
        return [c for b in self.blocks if b["type"] == "text" for c in b.get("citations") or []]

    @property
    def thinking_omitted(self) -> bool:
        thinking = [b for b in self.blocks if b["type"] == "thinking"]
        return bool(thinking) and all(not b["thinking"] and b["signature"] for b in thinking)


def expected_reply(frames: Iterable[tuple[str, Mapping[str, Any]]]) -> Expected:
    """The reply a stream of raw frames describes, built without the SDK or `claude_magic`."""
    reply = Expected()
    partial_json: dict[int, str] = {}
    for name, data in frames:
        if name == "message_start":
            reply.model, reply.message_id = data["message"]["model"], data["message"]["id"]
            reply.start_usage = copy.deepcopy(data["message"]["usage"])
            reply.usage = copy.deepcopy(data["message"]["usage"])
        elif name == "content_block_start":
            reply.blocks.append(copy.deepcopy(dict(data["content_block"])))
        elif name == "content_block_delta":
            _apply_delta(reply, data["index"], data["delta"], partial_json)
        elif name == "content_block_stop" and data["index"] in partial_json:
            raw = partial_json.pop(data["index"])
            if raw:
                reply.blocks[data["index"]]["input"] = json.loads(raw)
        elif name == "message_delta":
            reply.stop_reason = data["delta"]["stop_reason"]
            reply.stop_details = data["delta"].get("stop_details")
            reply.usage.update(copy.deepcopy(data["usage"]))
    return reply


def _apply_delta(reply: Expected, index: int, delta: Mapping[str, Any], partial_json: dict[int, str]) -> None:
    block = reply.blocks[index]
    kind = delta["type"]
    if kind == "text_delta":
        block["text"] += delta["text"]
        reply.text_chunks.append(delta["text"])
    elif kind == "thinking_delta":
        block["thinking"] += delta["thinking"]
    elif kind == "signature_delta":
        block["signature"] = delta["signature"]
    elif kind == "citations_delta":
        block["citations"] = [*(block.get("citations") or []), dict(delta["citation"])]
    elif kind == "input_json_delta":
        partial_json[index] = partial_json.get(index, "") + delta["partial_json"]
    else:
        raise ValueError(f"unknown delta type {kind!r}")


def stream_structure(frames: Iterable[tuple[str, Mapping[str, Any]]], keep_ping: bool = False) -> list[tuple[str, ...]]:
    """A stream reduced to its event order and key sets, for comparing two streams' shapes.

    Each frame becomes (event name, detail...): the content block's type on `content_block_start`,
    the delta's type on `content_block_delta`, and the sorted top-level keys of `message` and of
    `usage` (and of `delta` on `message_delta`) on the message events.
    """
    shape: list[tuple[str, ...]] = []
    for name, data in frames:
        if name == "ping" and not keep_ping:
            continue
        if name == "message_start":
            message = data["message"]
            shape.append((name, _keys("message", message), _keys("usage", message["usage"])))
        elif name == "content_block_start":
            shape.append((name, data["content_block"]["type"]))
        elif name == "content_block_delta":
            shape.append((name, data["delta"]["type"]))
        elif name == "message_delta":
            shape.append((name, _keys("delta", data["delta"]), _keys("usage", data["usage"])))
        else:
            shape.append((name,))
    return shape


def _keys(label: str, value: Mapping[str, Any]) -> str:
    return f"{label}:{','.join(sorted(value))}"
