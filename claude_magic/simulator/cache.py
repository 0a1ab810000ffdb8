"""The simulated prompt cache: prefix hashes at breakpoints, lookback, minimums, TTLs, diagnostics."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.models import ModelInfo
from .errors import invalid
from .prefix import LOOKBACK, MAX_BREAKPOINTS, Position, positions_of, without_marker

TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


@dataclass(frozen=True)
class _Snapshot:
    """What diagnostics compare a later request against."""

    model: str
    tools: str
    system: str
    messages: tuple[tuple[str, int], ...]  # (prefix hash, prefix tokens) per message block
    system_tokens: int
    total_tokens: int


class PromptCache:
    """Entries keyed by prefix hash with an expiry; `clock` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, str]] = {}
        self._snapshots: dict[str, _Snapshot] = {}

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._snapshots.clear()

    def process(
        self, body: dict[str, Any], info: ModelInfo, total: int, msg_id: str
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The input side of `usage` for `body` (reading and writing entries), and its diagnostics."""
        positions = positions_of(body)
        hashes = prefix_hashes(body, positions)
        breakpoints = find_breakpoints(body, positions)
        with self._lock:
            usage = self._read_and_write(positions, hashes, breakpoints, info, total)
            diagnostics = self._diagnose(body, positions, hashes)
            self._snapshots[msg_id] = _snapshot(body, positions, hashes)
        return usage, diagnostics

    def _read_and_write(
        self,
        positions: list[Position],
        hashes: list[str],
        breakpoints: list[tuple[int, str]],
        info: ModelInfo,
        total: int,
    ) -> dict[str, Any]:
        now = self.clock()
        hit = max((self._lookup(positions, hashes, bp, now) for bp, _ in breakpoints), default=-1)
        read = positions[hit].tokens if hit >= 0 else 0
        writes = [(bp, ttl) for bp, ttl in breakpoints if bp > hit and positions[bp].tokens >= info.min_cache_tokens]
        for bp, ttl in breakpoints:
            if bp <= hit and hashes[bp] in self._entries:
                self._entries[hashes[bp]] = (now + TTL_SECONDS[ttl], ttl)  # a hit refreshes for free
        for bp, ttl in writes:
            self._entries[hashes[bp]] = (now + TTL_SECONDS[ttl], ttl)
        return _usage(positions, read, writes, total)

    def _lookup(self, positions: list[Position], hashes: list[str], breakpoint: int, now: float) -> int:
        """The latest live entry within 20 lookback positions of `breakpoint`, or -1."""
        for index in range(breakpoint, -1, -1):
            if positions[breakpoint].step - positions[index].step >= LOOKBACK:
                return -1
            entry = self._entries.get(hashes[index])
            if entry is not None and entry[0] > now:
                return index
        return -1

    def _diagnose(self, body: dict[str, Any], positions: list[Position], hashes: list[str]) -> dict[str, Any] | None:
        asked = body.get("diagnostics")
        if not isinstance(asked, dict) or not asked.get("previous_message_id"):
            return None
        before = self._snapshots.get(str(asked["previous_message_id"]))
        if before is None:
            return {"cache_miss_reason": {"type": "previous_message_not_found"}}
        reason = compare(before, _snapshot(body, positions, hashes))
        return {"cache_miss_reason": reason} if reason else None


def compare(before: _Snapshot, now: _Snapshot) -> dict[str, Any] | None:
    """Why `now` could not reuse `before`'s whole prefix, or None if it extends it."""
    if before.model != now.model:
        return _miss("model_changed", before.total_tokens)
    if before.tools != now.tools:
        return _miss("tools_changed", before.total_tokens)
    if before.system != now.system:
        return _miss("system_changed", before.total_tokens)
    shared = before.system_tokens
    for old, new in zip(before.messages, now.messages, strict=False):
        if old[0] != new[0]:
            return _miss("messages_changed", before.total_tokens - shared)
        shared = old[1]
    if len(now.messages) < len(before.messages):
        return _miss("messages_changed", before.total_tokens - shared)
    return None


def _miss(kind: str, tokens: int) -> dict[str, Any]:
    return {"type": kind, "cache_missed_input_tokens": max(0, tokens)}


def _usage(positions: list[Position], read: int, writes: list[tuple[int, str]], total: int) -> dict[str, Any]:
    """Mixed-TTL billing: read up to A, 1h writes up to the last 1h breakpoint B, 5m writes up to C."""
    last_1h = max((bp for bp, ttl in writes if ttl == "1h"), default=None)
    last = max((bp for bp, _ in writes), default=None)
    one_hour_end = positions[last_1h].tokens if last_1h is not None else read
    cached_end = positions[last].tokens if last is not None else read
    five_minute = cached_end - one_hour_end
    one_hour = one_hour_end - read
    return {
        "input_tokens": max(0, total - cached_end),
        "cache_creation_input_tokens": one_hour + five_minute,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": five_minute, "ephemeral_1h_input_tokens": one_hour},
    }


def prefix_hashes(body: dict[str, Any], positions: list[Position]) -> list[str]:
    """The cumulative hash at each position; section salts carry what invalidates that section."""
    salts = {"tools": {"model": body.get("model")}, "system": _system_salt(body), "messages": _messages_salt(body)}
    digest, section, hashes = "", None, []
    for position in positions:
        while section != position.section:
            section = _next_section(section)
            digest = _hash(digest, salts[section])
        digest = _hash(digest, without_marker(position.block))
        hashes.append(digest)
    return hashes


def section_hashes(body: dict[str, Any], positions: list[Position]) -> tuple[str, str, str]:
    """The prefix hash at the end of tools, at the end of system, and at the start of messages."""
    salts = (_system_salt(body), _messages_salt(body))
    tools = _hash("", {"model": body.get("model")})
    for p in positions:
        if p.section == "tools":
            tools = _hash(tools, without_marker(p.block))
    system = _hash(tools, salts[0])
    for p in positions:
        if p.section == "system":
            system = _hash(system, without_marker(p.block))
    return tools, system, _hash(system, salts[1])


_SECTIONS = ("tools", "system", "messages")


def _next_section(section: str | None) -> str:
    return _SECTIONS[0] if section is None else _SECTIONS[_SECTIONS.index(section) + 1]


def _system_salt(body: dict[str, Any]) -> dict[str, Any]:
    # Switching fast/standard speed invalidates system and messages; images leave tools and system
    # cached, and an image added or removed in the messages changes every later prefix hash.
    return {"speed": body.get("speed")}


def _messages_salt(body: dict[str, Any]) -> dict[str, Any]:
    # tool_choice, thinking and effort invalidate the messages cache.
    effort = (body.get("output_config") or {}).get("effort")
    return {"tool_choice": body.get("tool_choice"), "thinking": body.get("thinking"), "effort": effort}


def _hash(previous: str, value: Any) -> str:
    data = previous + json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def _snapshot(body: dict[str, Any], positions: list[Position], hashes: list[str]) -> _Snapshot:
    tools, system, _ = section_hashes(body, positions)
    messages = tuple((h, p.tokens) for p, h in zip(positions, hashes, strict=True) if p.section == "messages")
    before_messages = [p.tokens for p in positions if p.section != "messages"]
    total = positions[-1].tokens if positions else 0
    return _Snapshot(str(body.get("model")), tools, system, messages, max(before_messages, default=0), total)


def find_breakpoints(body: dict[str, Any], positions: list[Position]) -> list[tuple[int, str]]:
    """(position, ttl) of every breakpoint, the automatic one included; 400 on the API's rules."""
    found = [(i, _ttl(p.block["cache_control"])) for i, p in enumerate(positions) if _marked(p)]
    automatic = body.get("cache_control")
    if automatic:
        found = _add_automatic(found, positions, _ttl(automatic))
    if len(found) > MAX_BREAKPOINTS:
        raise invalid(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {len(found)}.")
    ttls = [ttl for _, ttl in found]
    if "5m" in ttls and "1h" in ttls[ttls.index("5m") :]:
        raise invalid("cache_control: a ttl='1h' cache_control block must not come after a ttl='5m' one")
    return found


def _add_automatic(found: list[tuple[int, str]], positions: list[Position], ttl: str) -> list[tuple[int, str]]:
    last = next((i for i in range(len(positions) - 1, -1, -1) if positions[i].cacheable), None)
    if last is None:
        return found
    existing = dict(found)
    if last in existing:
        if existing[last] != ttl:
            raise invalid("cache_control: the automatic cache_control ttl differs from the last block's ttl")
        return found
    return sorted([*found, (last, ttl)])


def _marked(position: Position) -> bool:
    return isinstance(position.block, dict) and bool(position.block.get("cache_control"))


def _ttl(control: Any) -> str:
    ttl = control.get("ttl", "5m") if isinstance(control, dict) else "5m"
    if ttl not in TTL_SECONDS:
        raise invalid("cache_control.ttl: Input should be '5m' or '1h'")
    return str(ttl)
