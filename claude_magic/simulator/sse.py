"""Server-sent event frames and HTTP/1.1 chunked-transfer framing."""

from __future__ import annotations

import json
from typing import Any


def dumps(data: Any) -> str:
    """Compact JSON, UTF-8 characters unescaped, as the API sends it."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def frame(event: str, data: dict[str, Any]) -> bytes:
    """One SSE frame; the `event:` line is mandatory for SDK 2.x, which skips frames without it."""
    return f"event: {event}\ndata: {dumps(data)}\n\n".encode()


def chunk(payload: bytes) -> bytes:
    """`payload` as one chunk of a chunked-transfer body."""
    return f"{len(payload):X}\r\n".encode() + payload + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"
