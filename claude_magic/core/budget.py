"""What a request may cost before it is sent, and whether the cell's and the session's caps allow it.

The estimate is a range. Input is priced from a token count (the token-counting endpoint, or the
local estimate of `core/tokens.py`); output from 0 up to `max_tokens` at the output price
(thinking is billed as output and counts against `max_tokens`). The prompt cache moves the input
price between two cases:

- low: the planned cached prefix is read at the cache-read price, the rest at the input price,
  no output;
- high: the cache missed and every input token is written at the policy's write price (or the
  input price, whichever is higher), and every request writes `max_tokens` of output.

With `cache="off"` nothing is read or written: all input is at the input price in both cases.
The high end is a bound a cap can rely on for one request; a tool loop or a continued paused turn
makes more requests, each checked on its own. Unknown prices give an unknown range (None), never $0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import BudgetExceeded, SettingsError
from .models import BATCH_DISCOUNT, CACHE_POLICIES, PRICE_CLASSES, Prices
from .usage import PER_MILLION, format_cost

PREFLIGHT_TOKENS = 50_000  # default %config ClaudeMagics.preflight_tokens
_PRICE_HINT = (
    "set its prices with %config ClaudeMagics.prices = {'model-prefix': {...}} "
    f"(USD per million tokens for {', '.join(PRICE_CLASSES)})"
)


@dataclass(frozen=True)
class CostRange:
    """The estimated cost of a request in USD, best and worst case; None when a price is unknown."""

    low: float | None
    high: float | None

    @property
    def known(self) -> bool:
        return self.low is not None and self.high is not None


UNKNOWN = CostRange(None, None)


def estimate_cost(
    prices: Prices | None,
    input_tokens: int,
    max_tokens: int,
    *,
    cached_tokens: int = 0,
    batch: bool = False,
    requests: int = 1,
    cache: str = "auto",
) -> CostRange:
    """The cost range of `requests` requests; see the module docstring for the two cases.

    `input_tokens` and `cached_tokens` are totals over all the requests (a sum of token counts);
    `max_tokens` is per request, as in the request body. `cached_tokens` is the prefix the cache
    plan expects to read, capped at `input_tokens` (the two come from different counters).
    `cache` is the cache policy (auto | off | 5m | 1h), which decides the write price.
    """
    _check_counts(input_tokens, max_tokens, cached_tokens, requests, cache)
    if prices is None:
        return UNKNOWN
    output = requests * max_tokens * prices.output
    factor = (BATCH_DISCOUNT if batch else 1.0) / PER_MILLION
    low = _best_input(prices, input_tokens, cached_tokens, cache)
    high = _worst_input(prices, input_tokens, cache) + output
    return CostRange(low * factor, high * factor)


def _best_input(prices: Prices, input_tokens: int, cached_tokens: int, cache: str) -> float:
    read = 0 if cache == "off" else min(cached_tokens, input_tokens)
    return read * prices.cache_read + (input_tokens - read) * prices.input


def _worst_input(prices: Prices, input_tokens: int, cache: str) -> float:
    return input_tokens * max(prices.input, write_price(prices, cache))


def write_price(prices: Prices, cache: str) -> float:
    """USD per million tokens a cache write costs under the policy; the input price when caching is off."""
    if cache == "off":
        return prices.input
    return prices.write_1h if cache == "1h" else prices.write_5m


def _check_counts(input_tokens: int, max_tokens: int, cached_tokens: int, requests: int, cache: str) -> None:
    if min(input_tokens, max_tokens, cached_tokens) < 0 or requests < 1:
        raise ValueError(
            f"token counts must be 0 or more and requests at least 1, not input_tokens={input_tokens}, "
            f"max_tokens={max_tokens}, cached_tokens={cached_tokens}, requests={requests}"
        )
    if cache not in CACHE_POLICIES:
        raise ValueError(f"cache must be one of {', '.join(CACHE_POLICIES)}, not {cache!r}")


def needs_preflight(estimated_input_tokens: int, threshold: int = PREFLIGHT_TOKENS, *, batch: bool = False) -> bool:
    """True when the request should be counted with the token-counting endpoint first: every batch,
    and any request whose estimated input exceeds `threshold`."""
    return batch or estimated_input_tokens > threshold


def check_cost_cap(value: float | None, name: str) -> float | None:
    """`value` when it is None (no cap) or a finite number of USD above 0, else SettingsError naming `name`."""
    if value is None:
        return None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name} must be a positive number of USD, or None for no cap, not {value!r}")
    return float(value)


@dataclass(frozen=True)
class Budget:
    """The session's spend cap (`budget_usd`) and one cell's cap (`max_cost`), both in USD; None = no cap."""

    budget_usd: float | None = None
    max_cost: float | None = None

    def __post_init__(self) -> None:
        check_cost_cap(self.budget_usd, "%config ClaudeMagics.budget_usd")
        check_cost_cap(self.max_cost, "--max-cost")

    @property
    def capped(self) -> bool:
        return self.budget_usd is not None or self.max_cost is not None

    def left(self, spent: float) -> float | None:
        """What the session budget has left after `spent` (never below 0); None without a budget."""
        return None if self.budget_usd is None else max(0.0, self.budget_usd - spent)

    def check(self, worst_case: float | None, spent: float, *, model: str | None = None) -> None:
        """Raise BudgetExceeded when a request costing up to `worst_case` may not be sent after `spent`.

        A cap with an unknown worst case refuses too: an unknown cost cannot be shown to fit.
        """
        if not self.capped:
            return
        if worst_case is None:
            raise BudgetExceeded(_unknown_message(self, model))
        if self.max_cost is not None and worst_case > self.max_cost:
            raise BudgetExceeded(_cell_message(worst_case, self.max_cost))
        if self.budget_usd is not None and spent + worst_case > self.budget_usd:
            raise BudgetExceeded(_session_message(worst_case, spent, self.budget_usd))


def _unknown_message(budget: Budget, model: str | None) -> str:
    caps = []
    if budget.max_cost is not None:
        caps.append(f"--max-cost {dollars(budget.max_cost)}")
    if budget.budget_usd is not None:
        caps.append(f"the {dollars(budget.budget_usd)} budget")
    return (
        f"the price of {model or 'this model'} is unknown, so its cost cannot be checked against "
        f"{' or '.join(caps)}; nothing was sent. To send it, {_PRICE_HINT}"
    )


def _cell_message(worst_case: float, cap: float) -> str:
    return (
        f"estimated cost up to {dollars(worst_case)} is over --max-cost {dollars(cap)}; nothing was sent. "
        "Raise --max-cost, or lower --max-tokens"
    )


def _session_message(worst_case: float, spent: float, budget: float) -> str:
    return (
        f"estimated cost up to {dollars(worst_case)} would bring spend to {dollars(spent + worst_case)}, "
        f"over the {dollars(budget)} budget ({dollars(max(0.0, budget - spent))} left); nothing was sent. "
        "Raise %config ClaudeMagics.budget_usd, or lower --max-tokens"
    )


def dollars(amount: float) -> str:
    """'$0.12', '$5.00', '$1,234.50'; four decimals below ten cents ('$0.0123') so small costs show."""
    if amount == 0 or abs(amount) >= 0.1:
        return f"${amount:,.2f}"
    return f"${amount:.4f}"


def format_range(r: CostRange) -> str:
    """The panel header's estimate: '$0.0123–$0.0456', one figure when both ends agree, or 'cost unknown'."""
    if r.low is None or r.high is None:
        return "cost unknown"
    low, high = format_cost(r.low), format_cost(r.high)
    return low if low == high else f"{low}–{high}"


def spend_line(spent: float, budget: float | None) -> str:
    """The footer's spend: 'spent $0.12 of $5.00 budget ($4.88 left)', or 'spent $0.12' without a budget."""
    if budget is None:
        return f"spent {dollars(spent)}"
    return f"spent {dollars(spent)} of {dollars(budget)} budget ({dollars(max(0.0, budget - spent))} left)"
