"""Plan prompt-cache breakpoints: at most 4, above the model's minimum, within the 20-block lookback."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .models import CACHE_POLICIES as POLICIES
from .tokens import measure, tokens_from

MAX_BREAKPOINTS = 4  # per request, the top-level automatic breakpoint included
LOOKBACK = 20  # a read walks back at most 20 positions from a breakpoint
# Settings whose change makes the next request miss the prompt cache (ANTHROPIC_API.md §7, "What invalidates").
CACHE_BREAKING_SETTINGS = frozenset({"model", "system", "thinking", "effort", "history_window", "cache"})
UNCACHEABLE = ("thinking", "redacted_thinking")  # cached only inside later prefixes
_RUNS = ("tool_use", "tool_result")  # a run of these counts as one lookback position


@dataclass(frozen=True)
class Position:
    """One cacheable block of the prefix tools -> system -> messages, with the prefix size up to it."""

    section: str  # "tools" | "system" | "messages"
    where: tuple[int, ...]  # (tool,) | (system block,) | (message, block)
    block: Any
    chars: int  # cumulative
    media: int  # cumulative
    step: int  # lookback position number

    @property
    def tokens(self) -> int:
        """Estimated tokens of the prefix up to and including this block."""
        return tokens_from(self.chars, self.media)

    @property
    def cacheable(self) -> bool:
        if isinstance(self.block, str):
            return bool(self.block)
        return isinstance(self.block, dict) and self.block.get("type") not in UNCACHEABLE and _non_empty(self.block)


@dataclass(frozen=True)
class CachePlan:
    """Where one request put its breakpoints; the next request in the chat plans from it."""

    breakpoints: tuple[int, ...] = ()
    final: int | None = None
    fingerprint: str = ""  # of the prefix up to `final`


def prefix_positions(request: dict[str, Any]) -> list[Position]:
    """Every block of the request in prefix order, with cumulative sizes and lookback steps."""
    raw: list[tuple[str, tuple[int, ...], Any, int]] = []
    raw += [("tools", (i,), tool, 0) for i, tool in enumerate(request.get("tools") or [])]
    raw += [("system", (i,), block, 0) for i, block in enumerate(_as_list(request.get("system")))]
    for m, message in enumerate(request.get("messages") or []):
        role_chars = len(str(message.get("role", "")))
        for b, block in enumerate(_as_list(message.get("content"))):
            raw.append(("messages", (m, b), block, role_chars if b == 0 else 0))
    return _accumulate(raw)


def _accumulate(raw: list[tuple[str, tuple[int, ...], Any, int]]) -> list[Position]:
    positions: list[Position] = []
    chars = media = step = 0
    previous_kind: str | None = None
    for section, where, block, extra in raw:
        block_chars, block_media = measure(block)
        chars, media = chars + block_chars + extra, media + block_media
        kind = block.get("type") if isinstance(block, dict) else None
        step += 0 if kind in _RUNS and kind == previous_kind else 1
        previous_kind = kind
        positions.append(Position(section, where, block, chars, media, step))
    return positions


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return [value] if isinstance(value, str) else list(value)


def _non_empty(block: dict[str, Any]) -> bool:
    return not (block.get("type") == "text" and not block.get("text"))


def prefix_fingerprint(positions: list[Position], upto: int) -> str:
    """A hash of the blocks up to `upto`, ignoring cache_control."""
    blocks = [strip_cache_control(p.block) for p in positions[: upto + 1]]
    return hashlib.sha256(json.dumps(blocks, sort_keys=True, default=str).encode()).hexdigest()


def strip_cache_control(block: Any) -> Any:
    """The block without its `cache_control` key."""
    if isinstance(block, dict) and "cache_control" in block:
        return {k: v for k, v in block.items() if k != "cache_control"}
    return block


# -- planning -----------------------------------------------------------------------------


def plan_cache(
    request: dict[str, Any], *, min_tokens: int, policy: str = "auto", previous: CachePlan | None = None
) -> tuple[dict[str, Any], CachePlan]:
    """The request with `cache_control` on its chosen blocks, and the plan for the next request."""
    if policy not in POLICIES:
        raise ValueError(f"cache policy must be one of {POLICIES}, not {policy!r}")
    positions = prefix_positions(request)
    if policy == "off" or not positions:
        return request, CachePlan()
    slots = MAX_BREAKPOINTS - _existing_breakpoints(request)
    chosen = sorted(_candidates(positions, request, min_tokens, previous)[: max(0, slots)])
    planned = apply_breakpoints(request, [positions[i] for i in chosen], "1h" if policy == "1h" else "5m")
    final = chosen[-1] if chosen else None
    fingerprint = prefix_fingerprint(positions, final) if final is not None else ""
    return planned, CachePlan(tuple(chosen), final, fingerprint)


def _candidates(
    positions: list[Position], request: dict[str, Any], min_tokens: int, previous: CachePlan | None
) -> list[int]:
    """Breakpoint positions in priority order, each worth a write (at or above the minimum)."""
    wanted = [
        _last_cacheable(positions, len(positions) - 1),
        _previous_final(positions, previous),
        _turn_start(positions, request) if _previous_final(positions, previous) is None else None,
        _section_end(positions, "system"),
        _section_end(positions, "tools"),
    ]
    picked: list[int] = []
    for index in wanted:
        if index is not None and index not in picked and positions[index].tokens >= min_tokens:
            picked.append(index)
    return picked


def _last_cacheable(positions: list[Position], start: int) -> int | None:
    """The last cacheable position at or before `start` (thinking and empty text are skipped)."""
    for index in range(start, -1, -1):
        if positions[index].cacheable:
            return index
    return None


def _previous_final(positions: list[Position], previous: CachePlan | None) -> int | None:
    """Where the previous request's final breakpoint was, if this request still has that prefix."""
    if previous is None or previous.final is None or previous.final >= len(positions):
        return None
    same = prefix_fingerprint(positions, previous.final) == previous.fingerprint
    return previous.final if same else None


def _turn_start(positions: list[Position], request: dict[str, Any]) -> int | None:
    """Before a new turn of >= 20 lookback positions, a breakpoint the final one can't look back to."""
    last = len(request.get("messages") or []) - 1
    first_new = next((i for i, p in enumerate(positions) if p.section == "messages" and p.where[0] == last), None)
    if not first_new:
        return None
    if positions[-1].step - positions[first_new].step + 1 < LOOKBACK:
        return None
    return _last_cacheable(positions, first_new - 1)


def _section_end(positions: list[Position], section: str) -> int | None:
    ends = [i for i, p in enumerate(positions) if p.section == section and p.cacheable]
    return ends[-1] if ends else None


def _existing_breakpoints(request: dict[str, Any]) -> int:
    count = 1 if request.get("cache_control") else 0
    return count + sum(1 for p in prefix_positions(request) if isinstance(p.block, dict) and "cache_control" in p.block)


def apply_breakpoints(request: dict[str, Any], positions: list[Position], ttl: str) -> dict[str, Any]:
    """A copy of `request` with `cache_control` on each position's block; inputs are not mutated."""
    planned = dict(request)
    marker = {"type": "ephemeral", "ttl": ttl}
    for position in positions:
        _mark(planned, position, marker)
    return planned


def _mark(request: dict[str, Any], position: Position, marker: dict[str, str]) -> None:
    if position.section == "messages":
        message_index, block_index = position.where
        messages = request["messages"] = list(request["messages"])
        message = messages[message_index] = dict(messages[message_index])
        blocks = message["content"] = _as_blocks(message["content"])
    else:
        block_index = position.where[0]
        blocks = request[position.section] = _as_blocks(request[position.section])
    blocks[block_index] = {**blocks[block_index], "cache_control": dict(marker)}


def _as_blocks(content: Any) -> list[Any]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


# -- avoidable invalidations --------------------------------------------------------------


def cache_signature(request: dict[str, Any]) -> dict[str, Any]:
    """What, if changed between two requests of a chat, throws away a cached prefix."""
    messages = request.get("messages") or []
    return {
        "system": json.dumps(request.get("system"), sort_keys=True, default=str),
        "thinking": json.dumps(request.get("thinking"), sort_keys=True),
        "effort": (request.get("output_config") or {}).get("effort"),
        "images": _image_count(messages),
        "history_images": _image_count(messages[:-1]),
        "history": len(messages) - 1,
    }


def avoidable_breaks(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """Human reasons this request invalidates the chat's cache in a way the user can avoid."""
    if previous is None or current["history"] == 0:
        return []
    reasons = []
    if previous["effort"] != current["effort"]:
        reasons.append("effort changed mid-chat")
    if previous["thinking"] != current["thinking"]:
        reasons.append("thinking changed mid-chat")
    if previous["system"] != current["system"]:
        reasons.append("the system prompt was edited")
    if current["history"] > previous["history"] and previous["images"] != current["history_images"]:
        reasons.append("images were added to or removed from the history")
    return reasons


def _image_count(node: Any) -> int:
    if isinstance(node, list):
        return sum(_image_count(item) for item in node)
    if isinstance(node, dict):
        own = 1 if node.get("type") == "image" else 0
        return own + sum(_image_count(v) for v in node.values() if isinstance(v, list | dict))
    return 0


# What each API `cache_miss_reason` means for a notebook user (ANTHROPIC_API.md §7, "Diagnostics").
MISS_REASONS = {
    "model_changed": "the model changed since the previous request",
    "system_changed": "the system prompt changed since the previous request",
    "tools_changed": "the tool definitions changed (another --tools set, or a function's signature or docstring)",
    "messages_changed": "an earlier message of the chat changed (an undo, a retry, or a moved history window)",
    "previous_message_not_found": "the API no longer knows the previous reply (expired, or sent with another key)",
    "unavailable": "the API could not tell why",
}


@dataclass(frozen=True)
class LastRequest:
    """What `%claude why` knows of a chat's last request: the API's word, its usage, and the planner's record."""

    chat: str
    reason: str | None  # the API's cache_miss_reason
    read: int
    written: int
    total: int  # input tokens, cached or not
    plan: CachePlan | None
    min_tokens: int
    breaks: tuple[str, ...] = ()  # settings the planner saw change before it (cache_signature)


def explain_miss(last: LastRequest) -> str:
    """One sentence: did the chat's last request read the cache and, if not, why (the API's word first)."""
    head = f"The last request of chat {last.chat!r}"
    changed = ", ".join(last.breaks)
    if last.reason is not None:
        why = MISS_REASONS.get(last.reason, last.reason)
        seen = f"; claude_magic saw {changed} change" if changed else ""
        return f"{head} missed the cache because {why} (API: {last.reason}){seen}; it wrote {last.written:,} tokens."
    if last.read:
        share = last.read / max(last.total, 1)
        return f"{head} read {last.read:,} of {last.total:,} input tokens from the cache ({share:.0%}); none missed."
    if last.plan is None or last.plan.final is None:
        return (
            f"{head} read nothing from the cache: no breakpoint was placed, because the prompt is below this "
            f"model's minimum of {last.min_tokens:,} cacheable tokens (or caching is off)."
        )
    if changed:
        return f"{head} read nothing from the cache: {changed} changed, so the prefix was new."
    return (
        f"{head} read nothing from the cache and wrote {last.written:,} tokens: it was the first request with this "
        "prefix, or the cached prefix expired (5 minutes by default; --cache 1h keeps it longer)."
    )
