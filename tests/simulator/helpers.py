"""Helpers for simulator tests: raw HTTP calls (what the SDK can't send) and SSE parsing."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from claude_magic.simulator import Simulator

MODEL = "claude-sonnet-5-5"
HELLO = [{"role": "user", "content": "Hello, simulator!"}]


@dataclass(frozen=True)
class RawResponse:
    """What a raw HTTP call got back."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def raw_request(
    sim: Simulator,
    method: str,
    path: str,
    body: dict[str, Any] | bytes | None = None,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """One HTTP request with exactly the given headers (no SDK in between)."""
    url = urlsplit(sim.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    payload = json.dumps(body).encode() if isinstance(body, dict) else body
    try:
        conn.request(method, path, body=payload, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


def post_messages(sim: Simulator, body: dict[str, Any] | bytes, **headers: str) -> RawResponse:
    """POST /v1/messages with a Bearer key unless other headers are given."""
    sent = headers or {"authorization": "Bearer sk-test"}
    return raw_request(sim, "POST", "/v1/messages", body, {"content-type": "application/json", **sent})


def body_of(**overrides: Any) -> dict[str, Any]:
    """A valid Messages request body with some fields replaced."""
    return {"model": MODEL, "max_tokens": 256, "messages": HELLO, **overrides}


def sse_frames(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """(event name, JSON data) for every frame of an SSE body."""
    frames = []
    for chunk in raw.decode().split("\n\n"):
        if not chunk.strip():
            continue
        lines = dict(line.split(": ", 1) for line in chunk.split("\n"))
        frames.append((lines["event"], json.loads(lines["data"])))
    return frames
