"""The cost of a batch before it is sent: a few rows counted exactly, the rest scaled by prompt length.

Counting every row would cost one count_tokens call per row; instead up to SAMPLE rows (first,
middle, last) are counted, their shared part (system, attachments, framing) is the count minus
the local estimate of their prompt, and every row is that shared part plus its own prompt's
estimate. The label says so. Output is priced from 0 to max_tokens per row (core/budget.py).
Without a counter (cloud platforms: Bedrock's SDK client has no count_tokens, and we do not rely
on the others'), every row is estimated locally; so is a sample row whose count failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.budget import CostRange, estimate_cost, format_range
from ..core.models import Prices
from ..core.request import text_block
from ..core.tokens import estimate_tokens
from .requests import RowRequests

SAMPLE = 3
_COUNTED_FIELDS = ("model", "messages", "system", "thinking", "tools", "tool_choice", "output_config")


@dataclass(frozen=True)
class BatchEstimate:
    """Estimated input tokens over all rows, how many rows were counted exactly, and the cost range."""

    rows: int
    input_tokens: int
    counted: int
    cost: CostRange
    batch: bool

    def line(self) -> str:
        prices = "batch prices (half)" if self.batch else "standard prices"
        how = (
            f"{self.counted} row(s) counted with count_tokens, the rest scaled by prompt length"
            if self.counted
            else "estimated locally from the text"
        )
        return (
            f"{self.rows:,} request(s), about {self.input_tokens:,} input tokens ({how}); "
            f"estimated {format_range(self.cost)} at {prices}"
        )


def estimate_batch(
    count: Callable[[dict[str, Any]], int | None] | None,
    rows: RowRequests,
    positions: list[int],
    prices: Prices | None,
    *,
    cache: str = "auto",
    batch: bool = True,
) -> BatchEstimate:
    """Count a sample with `count` (a request -> its token count, None when counting failed), price every row.

    Without `count`, or for a sample row whose count failed, the row is estimated locally.
    """
    sample = sorted({positions[0], positions[len(positions) // 2], positions[-1]})[:SAMPLE]
    counts = [count(rows.params(p)) if count is not None else None for p in sample]
    inputs = [_local(rows.params(p)) if n is None else n for p, n in zip(sample, counts, strict=True)]
    shared = [tokens - _prompt_tokens(rows.prompts[p]) for p, tokens in zip(sample, inputs, strict=True)]
    per_row = max(0, round(sum(shared) / len(shared)))
    total = len(positions) * per_row + sum(_prompt_tokens(rows.prompts[p]) for p in positions)
    cached = per_row * (len(positions) - 1) if _has_breakpoint(rows.base) else 0
    cost = estimate_cost(
        prices,
        total,
        int(rows.base["max_tokens"]),
        cached_tokens=min(cached, total),
        batch=batch,
        requests=len(positions),
        cache=cache,
    )
    counted = sum(n is not None for n in counts)
    return BatchEstimate(len(positions), total, counted, cost, batch)


def _local(params: dict[str, Any]) -> int:
    fields = {key: params[key] for key in _COUNTED_FIELDS if key in params}
    return estimate_tokens({key: value for key, value in fields.items() if key != "model"})


def _prompt_tokens(prompt: str) -> int:
    return estimate_tokens(text_block(prompt))


def _has_breakpoint(base: dict[str, Any]) -> bool:
    blocks = [*_blocks(base.get("system")), *(b for m in base["messages"] for b in _blocks(m["content"]))]
    return any(isinstance(block, dict) and "cache_control" in block for block in blocks)


def _blocks(value: Any) -> list[Any]:
    return [] if value is None or isinstance(value, str) else list(value)
