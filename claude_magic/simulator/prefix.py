"""The cacheable prefix of a request, tools -> system -> messages, block by block with running sizes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .tokens import size_of, to_tokens

MAX_BREAKPOINTS = 4  # per request, the top-level automatic breakpoint included
LOOKBACK = 20  # a read walks back at most 20 positions from a breakpoint (the breakpoint counts)
NOT_CACHEABLE = ("thinking", "redacted_thinking")  # cached only inside later prefixes
RUN_TYPES = ("tool_use", "tool_result")  # a run of consecutive ones is one lookback position
SECTIONS = ("tools", "system", "messages")


@dataclass(frozen=True)
class Position:
    """One block of the prefix, with the prefix size up to and including it."""

    section: str
    block: Any
    chars: int
    media: int
    step: int

    @property
    def tokens(self) -> int:
        """Estimated tokens of the prefix up to and including this block."""
        return to_tokens(self.chars, self.media)

    @property
    def cacheable(self) -> bool:
        """A block a breakpoint can sit on: not thinking, not an empty text block."""
        if isinstance(self.block, str):
            return bool(self.block)
        if not isinstance(self.block, dict) or self.block.get("type") in NOT_CACHEABLE:
            return False
        return not (self.block.get("type") == "text" and not self.block.get("text"))


def positions_of(body: dict[str, Any]) -> list[Position]:
    """Every block of the request in prefix order; a message's role counts toward its first block."""
    items: list[tuple[str, Any, int]] = [("tools", tool, 0) for tool in body.get("tools") or []]
    items += [("system", block, 0) for block in _blocks(body.get("system"))]
    for message in body.get("messages") or []:
        role = len(str(message.get("role", ""))) if isinstance(message, dict) else 0
        content = message.get("content") if isinstance(message, dict) else None
        items += [("messages", block, role if n == 0 else 0) for n, block in enumerate(_blocks(content))]
    return _running(items)


def _running(items: list[tuple[str, Any, int]]) -> list[Position]:
    out: list[Position] = []
    chars = media = step = 0
    before: str | None = None
    for section, block, extra in items:
        c, m = size_of(block)
        chars, media = chars + c + extra, media + m
        kind = block.get("type") if isinstance(block, dict) else None
        step += 0 if (kind in RUN_TYPES and kind == before) else 1
        before = kind
        out.append(Position(section, block, chars, media, step))
    return out


def _blocks(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return [value] if isinstance(value, str) else list(value)


def without_marker(block: Any) -> Any:
    """The block as hashed: its `cache_control` does not change the prefix."""
    if isinstance(block, dict) and "cache_control" in block:
        return {k: v for k, v in block.items() if k != "cache_control"}
    return block
