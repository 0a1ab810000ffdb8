"""Normalised token usage, its cost from the model registry, and the cache hit rate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .models import BATCH_DISCOUNT, SERVER_TOOL_PRICES, Prices

PER_MILLION = 1_000_000


@dataclass(frozen=True)
class Usage:
    """Token counts of one call; `input_tokens` is the uncached input only, as the API reports it."""

    input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int | None = None
    web_search_requests: int = 0
    web_fetch_requests: int = 0
    # Iterations billed beside the top-level counts: compaction (this model) and advisor calls (their model).
    separate_iterations: tuple[dict[str, Any], ...] = ()

    @property
    def cache_creation_input_tokens(self) -> int:
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens

    @property
    def total_input_tokens(self) -> int:
        return self.input_tokens + self.cache_read_input_tokens + self.cache_creation_input_tokens

    @property
    def hit_rate(self) -> float | None:
        """cache_read / (uncached + cache_read + cache_write); None when there was no input."""
        total = self.total_input_tokens
        return self.cache_read_input_tokens / total if total else None


def usage_from_api(raw: Mapping[str, Any]) -> Usage:
    """A Usage from the API's final usage object (as a dict); missing fields count as zero."""
    written = int(raw.get("cache_creation_input_tokens") or 0)
    split = raw.get("cache_creation") or {}
    one_hour = int(split.get("ephemeral_1h_input_tokens") or 0)
    details = raw.get("output_tokens_details") or {}
    thinking = details.get("thinking_tokens")
    tools = raw.get("server_tool_use") or {}
    return Usage(
        input_tokens=int(raw.get("input_tokens") or 0),
        cache_read_input_tokens=int(raw.get("cache_read_input_tokens") or 0),
        # Without the 5m/1h split, every write is a 5-minute write (the default TTL).
        cache_write_5m_tokens=written - one_hour,
        cache_write_1h_tokens=one_hour,
        output_tokens=int(raw.get("output_tokens") or 0),
        thinking_tokens=int(thinking) if thinking is not None else None,
        web_search_requests=int(tools.get("web_search_requests") or 0),
        web_fetch_requests=int(tools.get("web_fetch_requests") or 0),
        separate_iterations=tuple(dict(i) for i in raw.get("iterations") or () if i.get("type") in _SEPARATE),
    )


# "message" iterations are already in the top-level counts; these are not (SDK BetaUsage.iterations).
_SEPARATE = ("compaction", "advisor_message")

PriceLookup = Callable[[str], "Prices | None"]


def add_usage(first: Usage, second: Usage) -> Usage:
    """Two calls' usage summed (a paused turn continued in a second call)."""
    thinking = None if first.thinking_tokens is None and second.thinking_tokens is None else 0
    return Usage(
        input_tokens=first.input_tokens + second.input_tokens,
        cache_read_input_tokens=first.cache_read_input_tokens + second.cache_read_input_tokens,
        cache_write_5m_tokens=first.cache_write_5m_tokens + second.cache_write_5m_tokens,
        cache_write_1h_tokens=first.cache_write_1h_tokens + second.cache_write_1h_tokens,
        output_tokens=first.output_tokens + second.output_tokens,
        thinking_tokens=None if thinking is None else (first.thinking_tokens or 0) + (second.thinking_tokens or 0),
        web_search_requests=first.web_search_requests + second.web_search_requests,
        web_fetch_requests=first.web_fetch_requests + second.web_fetch_requests,
        separate_iterations=first.separate_iterations + second.separate_iterations,
    )


def cost_usd(
    usage: Usage,
    prices: Prices | None,
    *,
    batch: bool = False,
    price_of: PriceLookup | None = None,
    tool_prices: Mapping[str, float] = SERVER_TOOL_PRICES,
) -> float | None:
    """The call's cost in USD, or None when any billed part's price is unknown (never $0).

    Tokens at the model's prices, plus compaction iterations at the same prices, advisor
    iterations at their model's prices (`price_of`), and server tool fees per request.
    """
    if prices is None:
        return None
    tokens = _token_cost(usage, prices)
    iterations = [_iteration_cost(item, prices, price_of) for item in usage.separate_iterations]
    if any(cost is None for cost in iterations):
        return None
    total = tokens + sum(cost for cost in iterations if cost is not None)
    return total * (BATCH_DISCOUNT if batch else 1.0) + _tool_fees(usage, tool_prices)


def _token_cost(usage: Usage, prices: Prices) -> float:
    total = (
        usage.input_tokens * prices.input
        + usage.cache_write_5m_tokens * prices.write_5m
        + usage.cache_write_1h_tokens * prices.write_1h
        + usage.cache_read_input_tokens * prices.cache_read
        + usage.output_tokens * prices.output  # output_tokens already includes thinking
    )
    return total / PER_MILLION


def _iteration_cost(item: Mapping[str, Any], prices: Prices, price_of: PriceLookup | None) -> float | None:
    if item.get("type") == "advisor_message":
        model_prices = price_of(str(item.get("model", ""))) if price_of else None
        if model_prices is None:
            return None
        prices = model_prices
    return _token_cost(usage_from_api(item), prices)


def _tool_fees(usage: Usage, tool_prices: Mapping[str, float]) -> float:
    return usage.web_search_requests * tool_prices.get("web_search_requests", 0.0) + (
        usage.web_fetch_requests * tool_prices.get("web_fetch_requests", 0.0)
    )


def cost_without_cache_usd(
    usage: Usage, prices: Prices | None, *, batch: bool = False, price_of: PriceLookup | None = None
) -> float | None:
    """The same call priced as if every input token were uncached."""
    uncached = Usage(
        input_tokens=usage.total_input_tokens,
        output_tokens=usage.output_tokens,
        web_search_requests=usage.web_search_requests,
        web_fetch_requests=usage.web_fetch_requests,
        separate_iterations=usage.separate_iterations,
    )
    return cost_usd(uncached, prices, batch=batch, price_of=price_of)


def format_cost(cost: float | None) -> str:
    """'$0.0123', or 'unknown' when the price is not known."""
    if cost is None:
        return "unknown"
    return f"${cost:.4f}" if cost < 1 else f"${cost:,.2f}"


@dataclass(frozen=True)
class CallRecord:
    """One API call in the ledger, successful or not."""

    call: int
    chat: str
    model: str
    started_at: float  # POSIX seconds
    ttft_s: float | None
    duration_s: float
    usage: Usage
    cost_usd: float | None
    cost_without_cache_usd: float | None
    stop_reason: str | None
    request_id: str | None
    message_id: str | None
    error: str | None = None
    cache_miss_reason: str | None = None
    refusal: str | None = None  # "category: explanation" when the model declined
    kind: str = "call"  # "call" (one Messages request) or "batch" (one Message Batch, at batch prices)
    requests: int = 1  # the requests the row stands for: a batch's rows with a result
    replay_key: str | None = None  # the fingerprint a recording keeps the reply under (_edge/replay); None for a batch

    @property
    def is_batch(self) -> bool:
        return self.kind == "batch"

    def as_row(self) -> dict[str, Any]:
        """The record as one flat row for export."""
        u = self.usage
        return {
            "call": self.call,
            "chat": self.chat,
            "model": self.model,
            "started_at": self.started_at,
            "ttft_s": self.ttft_s,
            "duration_s": self.duration_s,
            "input_tokens": u.input_tokens,
            "cache_read_input_tokens": u.cache_read_input_tokens,
            "cache_creation_input_tokens": u.cache_creation_input_tokens,
            "cache_write_5m_tokens": u.cache_write_5m_tokens,
            "cache_write_1h_tokens": u.cache_write_1h_tokens,
            "output_tokens": u.output_tokens,
            "thinking_tokens": u.thinking_tokens,
            "hit_rate": u.hit_rate,
            "cost_usd": self.cost_usd,
            "cost_without_cache_usd": self.cost_without_cache_usd,
            "stop_reason": self.stop_reason,
            "refusal": self.refusal,
            "cache_miss_reason": self.cache_miss_reason,
            "request_id": self.request_id,
            "message_id": self.message_id,
            "error": self.error,
            "kind": self.kind,
            "requests": self.requests,
            "replay_key": self.replay_key,
        }


_EMPTY = CallRecord(0, "", "", 0.0, None, 0.0, Usage(), None, None, None, None, None)
USAGE_COLUMNS = tuple(_EMPTY.as_row())  # the ledger's export columns, in order


class Ledger:
    """Append-only list of CallRecords; observers are told of each new record."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []
        self._observers: list[Any] = []

    def __len__(self) -> int:
        return len(self.records)

    def next_call_number(self) -> int:
        return len(self.records) + 1

    def append(self, record: CallRecord) -> None:
        self.records.append(record)
        for observer in list(self._observers):
            observer(record)

    def observe(self, callback: Any) -> None:
        """Call `callback(record)` after every new record."""
        self._observers.append(callback)

    def rows(self) -> list[dict[str, Any]]:
        return [record.as_row() for record in self.records]
