"""Registry lookup and cost arithmetic."""

from __future__ import annotations

import pytest

from claude_magic.core.models import REGISTRY, lookup
from claude_magic.core.usage import Usage, cost_usd, cost_without_cache_usd, format_cost, usage_from_api


@pytest.mark.parametrize(
    ("model", "entry"),
    [
        ("claude-opus-4-5-20251101", "claude-opus-4-5"),
        ("claude-sonnet-5-5-20261001", "claude-sonnet-5-5"),
        ("claude-opus-5", "claude-opus-5"),
        ("claude-opus-5-5", "claude-opus-5-5"),
        ("claude-opus-50", None),
        ("gpt-4o", None),
    ],
)
def test_longest_prefix_lookup_on_dash_boundaries(model, entry):
    info = lookup(model)
    assert (info.id if info else None) == entry


def test_registry_rows_are_consistent():
    for info in REGISTRY:
        assert info.max_output <= info.context_window
        if info.prices:
            p = info.prices
            assert p.cache_read < p.input < p.write_5m < p.write_1h, info.id


def test_cost_of_each_token_class_opus_5_5():
    prices = lookup("claude-opus-5-5").prices  # $4 in, $5 5m, $8 1h, $0.20 read, $20 out
    usage = Usage(
        input_tokens=1_000_000,
        cache_read_input_tokens=1_000_000,
        cache_write_5m_tokens=1_000_000,
        cache_write_1h_tokens=1_000_000,
        output_tokens=1_000_000,
    )
    assert cost_usd(usage, prices) == pytest.approx(4 + 0.20 + 5 + 8 + 20)
    assert cost_usd(usage, prices, batch=True) == pytest.approx((4 + 0.20 + 5 + 8 + 20) / 2)
    assert cost_without_cache_usd(usage, prices) == pytest.approx(4 * 4 + 20)


def test_unknown_prices_give_unknown_cost_never_zero():
    assert cost_usd(Usage(input_tokens=10, output_tokens=10), None) is None
    assert format_cost(None) == "unknown"
    assert format_cost(0.00123) == "$0.0012"


def test_usage_from_api_splits_cache_writes():
    usage = usage_from_api(
        {
            "input_tokens": 2048,
            "cache_read_input_tokens": 1800,
            "cache_creation_input_tokens": 248,
            "output_tokens": 503,
            "cache_creation": {"ephemeral_5m_input_tokens": 148, "ephemeral_1h_input_tokens": 100},
        }
    )
    assert (usage.cache_write_5m_tokens, usage.cache_write_1h_tokens) == (148, 100)
    assert usage.total_input_tokens == 2048 + 1800 + 248
    assert usage.hit_rate == pytest.approx(1800 / 4096)


def test_usage_without_split_counts_writes_as_5m():
    usage = usage_from_api({"input_tokens": 1, "output_tokens": 2, "cache_creation_input_tokens": 50})
    assert (usage.cache_write_5m_tokens, usage.cache_write_1h_tokens, usage.thinking_tokens) == (50, 0, None)
    assert Usage().hit_rate is None
