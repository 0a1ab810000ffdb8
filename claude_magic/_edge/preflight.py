"""Cost before sending: count a large or capped request's input, price it, and refuse it if a cap would be crossed.

Every request of a cell (each tool-loop round, each continuation of a paused turn) passes
through `Session.send`, which asks `preflight` first. A request is counted with the API's
token-counting endpoint when its local estimate (`core/tokens.py`) exceeds `preflight_tokens`,
or whenever a cap is set. Counting is free and makes no ledger row; it goes through the session's network policy
(timeout, retries), and when it fails (network, 4xx, a stall past the timeout, a count that is not
a plausible number) the local estimate stands in, labelled as such. An interrupt while counting
is one line: nothing was sent. The range (`core/budget.py`) prices input from
the count and output from 0 up to `max_tokens`; a cap is checked against its high end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.budget import Budget, CostRange, estimate_cost, format_range, needs_preflight
from ..core.errors import CallInterrupted
from ..core.models import Prices
from ..core.tokens import estimate_tokens

# The request fields client.messages.count_tokens takes as arguments (SDK 2.12); the rest
# (max_tokens, metadata, diagnostics, ...) do not change the input count.
COUNTED_FIELDS = ("model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "cache_control")
# Fields the endpoint takes that the SDK method has no argument for: sent in its extra_body.
COUNTED_EXTRA = ("context_management", "mcp_servers")
# No model's context window is near this; a larger count is a malformed answer, not a count.
MAX_COUNT = 100_000_000
COUNT_INTERRUPTED = "interrupted while counting the request's tokens; nothing was sent and the chat is unchanged."


@dataclass(frozen=True)
class Estimate:
    """What one request may cost: its input tokens, whether the endpoint counted them, and the range."""

    input_tokens: int
    counted: bool
    cost: CostRange

    def label(self) -> str:
        """The panel header's part: 'est. $0.12–$0.53 (60,012 tokens in)'; '~' marks a local estimate."""
        how = "" if self.counted else "~"
        return f"est. {format_range(self.cost)} ({how}{self.input_tokens:,} tokens in)"


def preflight(
    connect: Callable[[], Any],
    request: dict[str, Any],
    prices: Prices | None,
    *,
    threshold: int,
    budget: Budget,
    spent: float,
    cache: str = "auto",
) -> Estimate | None:
    """The request's estimate when it is large or capped, else None; BudgetExceeded when a cap would be crossed."""
    local = local_input_tokens(request)
    if not (budget.capped or needs_preflight(local, threshold)):
        return None
    try:
        counted = count_input_tokens(connect, request)
    except KeyboardInterrupt:
        raise CallInterrupted(None, COUNT_INTERRUPTED) from None
    tokens = local if counted is None else counted
    cost = estimate_cost(prices, tokens, int(request.get("max_tokens") or 0), cache=cache)
    budget.check(cost.high, spent, model=request.get("model"))
    return Estimate(tokens, counted is not None, cost)


def local_input_tokens(request: dict[str, Any]) -> int:
    """The local estimate of what the request's messages, system prompt and tools count as input."""
    return estimate_tokens([request.get("system"), request.get("tools"), request.get("messages")])


def count_input_tokens(connect: Callable[[], Any], request: dict[str, Any]) -> int | None:
    """The endpoint's count for the request, or None when counting fails (the caller falls back)."""
    fields = {name: request[name] for name in COUNTED_FIELDS if request.get(name) is not None}
    body = {**request, **(request.get("extra_body") or {})}
    extra = {name: body[name] for name in COUNTED_EXTRA if body.get(name) is not None}
    try:
        result = connect().messages.count_tokens(**fields, extra_body=extra or None)
    except Exception:  # any failure of a free estimate falls back to the local one; the cell goes on
        return None
    return plausible_count(getattr(result, "input_tokens", None))


def plausible_count(value: Any) -> int | None:
    """`value` when it is a token count (an int from 0 to MAX_COUNT, not a bool), else None."""
    return value if type(value) is int and 0 <= value <= MAX_COUNT else None
