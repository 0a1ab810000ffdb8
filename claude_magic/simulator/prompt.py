"""What the request asks: the user's question and attachments, and the helpers that quote it."""

from __future__ import annotations

import hashlib
import re
from typing import Any

LABEL = "**[Simulated reply]**"
QUOTE_CHARS = 80
# The client puts the notebook's context before the cell's text, inside these tags.
CONTEXT_BLOCK = re.compile(r"<notebook_context>(.*?)(?:</notebook_context>|\Z)", re.DOTALL)


def prompt_of(body: dict[str, Any]) -> tuple[str, int, int]:
    """(question, images, documents) of the last user message that holds text.

    The question is that message's last non-empty text block (the client sends the cell's text
    after its attachments) without its notebook context; a turn of tool results alone is skipped.
    """
    content = asking_content(body)
    if isinstance(content, str):
        return question_text(content), 0, 0
    texts = [str(b.get("text", "")) for b in content if _kind(b) == "text"]
    questions = [q for q in map(question_text, texts) if q.strip()]
    images = sum(1 for b in content if _kind(b) == "image")
    documents = sum(1 for b in content if _kind(b) == "document")
    return (questions[-1] if questions else ""), images, documents


def asking_content(body: dict[str, Any]) -> str | list[Any]:
    """The content of the last user message with text in it ("" when there is none)."""
    index = asking_index(body["messages"])
    return "" if index is None else body["messages"][index]["content"]


def asking_index(messages: list[dict[str, Any]]) -> int | None:
    """The index of the last user message with text in it: where the current question was asked."""
    for index in range(len(messages) - 1, -1, -1):
        message, content = messages[index], messages[index].get("content")
        if message.get("role") != "user":
            continue
        if isinstance(content, str) or (isinstance(content, list) and any(_kind(b) == "text" for b in content)):
            return index
    return None


def context_of(body: dict[str, Any]) -> str | None:
    """The text inside the asking message's `<notebook_context>` block, or None without one."""
    content = asking_content(body)
    texts = [content] if isinstance(content, str) else [str(b.get("text", "")) for b in content if _kind(b) == "text"]
    for text in texts:
        match = CONTEXT_BLOCK.search(text)
        if match:
            return match.group(1)
    return None


def question_text(text: str) -> str:
    """`text` without its notebook context block."""
    return CONTEXT_BLOCK.sub("", text).strip()


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
