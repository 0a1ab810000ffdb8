"""What the request asks: the last user message's text and attachments, and the helpers that quote it."""

from __future__ import annotations

import hashlib
from typing import Any

LABEL = "**[Simulated reply]**"
QUOTE_CHARS = 80


def prompt_of(body: dict[str, Any]) -> tuple[str, int, int]:
    """(text, images, documents) of the last user message."""
    users = [m for m in body["messages"] if m.get("role") == "user"]
    content = users[-1]["content"] if users else ""
    if isinstance(content, str):
        return content, 0, 0
    texts = [b.get("text", "") for b in content if _kind(b) == "text"]
    images = sum(1 for b in content if _kind(b) == "image")
    documents = sum(1 for b in content if _kind(b) == "document")
    return "\n".join(t for t in texts if isinstance(t, str)), images, documents


def fingerprint(text: str) -> str:
    """Eight hex digits identifying a prompt."""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    if not flat:
        return "(no text)"
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def plural(n: int, word: str) -> str:
    """`1 image`, `2 images`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _kind(block: Any) -> str | None:
    return block.get("type") if isinstance(block, dict) else None
