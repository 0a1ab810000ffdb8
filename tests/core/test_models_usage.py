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


def test_exact_cost_with_one_hour_writes_sonnet_5_5():
    from claude_magic.core.models import resolve_prices

    prices = resolve_prices("claude-sonnet-5-5")  # $2 in, $2.50 5m, $4 1h, $0.10 read, $10 out
    usage = Usage(input_tokens=1_000, cache_read_input_tokens=20_000, cache_write_1h_tokens=3_000, output_tokens=500)
    # 1000*2 + 20000*0.10 + 3000*4 + 500*10 = 2000 + 2000 + 12000 + 5000 = 21000 per million
    assert cost_usd(usage, prices) == pytest.approx(0.021)
    # uncached: 24000*2 + 500*10 = 53000 per million
    assert cost_without_cache_usd(usage, prices) == pytest.approx(0.053)
    assert usage.hit_rate == pytest.approx(20_000 / 24_000)


def test_unknown_model_costs_unknown_unless_fully_priced():
    from claude_magic.core.models import resolve_prices

    assert resolve_prices("gpt-4o") is None
    assert resolve_prices("my-model-1", {"my-model": {"input": 1, "output": 2}}) is None
    full = {"input": 1, "write_5m": 1.25, "write_1h": 2, "cache_read": 0.1, "output": 5}
    prices = resolve_prices("my-model-1", {"my-model": full})
    assert cost_usd(Usage(input_tokens=1_000_000, output_tokens=1_000_000), prices) == pytest.approx(6)


def test_price_override_by_longest_prefix_and_class():
    from claude_magic.core.models import resolve_prices

    overrides = {"claude-opus": {"output": 99}, "claude-opus-5-5": {"cache_read": 0.4}}
    prices = resolve_prices("claude-opus-5-5-20261001", overrides)
    assert (prices.input, prices.cache_read, prices.output) == (4, 0.4, 20)
    assert resolve_prices("claude-opus-5", overrides).output == 99
    with pytest.raises(ValueError, match="unknown price class"):
        resolve_prices("claude-opus-5", {"claude-opus-5": {"inputs": 1}})
