"""Cost before sending and caps: every expected figure is worked out by hand from the price table."""

from __future__ import annotations

import math

import pytest

from claude_magic.core.budget import (
    PREFLIGHT_TOKENS,
    Budget,
    CostRange,
    check_cost_cap,
    dollars,
    estimate_cost,
    format_range,
    needs_preflight,
    spend_line,
)
from claude_magic.core.errors import BudgetExceeded, ClaudeMagicError, SettingsError
from claude_magic.core.models import Prices, lookup, resolve_prices
from claude_magic.core.usage import Usage, cost_usd

# USD per million tokens (ANTHROPIC_API.md §11): input, 5m write, 1h write, cache read, output.
SONNET_5_5 = lookup("claude-sonnet-5-5").prices  # 2, 2.50, 4, 0.10, 10
OPUS_5_5 = lookup("claude-opus-5-5").prices  # 4, 5, 8, 0.20, 20


def approx(low: float, high: float) -> CostRange:
    return CostRange(pytest.approx(low), pytest.approx(high))  # type: ignore[arg-type]


def test_the_table_rows_these_tests_rely_on():
    assert Prices(2, 2.5, 4, 0.10, 10) == SONNET_5_5
    assert Prices(4, 5, 8, 0.20, 20) == OPUS_5_5


def test_no_cache_read_low_is_input_price_high_is_5m_writes_and_all_output():
    # low: 10,000 x $2/M = $0.02; high: 10,000 x $2.50/M + 1,000 x $10/M = $0.025 + $0.01
    assert estimate_cost(SONNET_5_5, 10_000, 1_000) == approx(0.02, 0.035)


def test_cache_off_prices_every_input_token_at_the_input_price():
    # low: 10,000 x $2/M = $0.02; high: the same input + 1,000 x $10/M output
    assert estimate_cost(SONNET_5_5, 10_000, 1_000, cache="off") == approx(0.02, 0.03)


def test_cache_off_ignores_a_planned_read():
    assert estimate_cost(OPUS_5_5, 10_000, 1, cached_tokens=8_000, cache="off").low == pytest.approx(0.04)


def test_cached_prefix_read_at_read_price_in_the_best_case_and_1h_writes_in_the_worst():
    # low: 8,000 x $0.20/M + 2,000 x $4/M = $0.0016 + $0.008
    # high: 10,000 x $8/M (1h write) + 2,000 x $20/M = $0.08 + $0.04
    r = estimate_cost(OPUS_5_5, 10_000, 2_000, cached_tokens=8_000, cache="1h")
    assert r == approx(0.0096, 0.12)


def test_5m_policy_worst_case_uses_the_5m_write_price():
    # high: 10,000 x $5/M + 2,000 x $20/M = $0.05 + $0.04
    assert estimate_cost(OPUS_5_5, 10_000, 2_000, cached_tokens=8_000, cache="5m").high == pytest.approx(0.09)


def test_a_cached_count_above_the_input_count_reads_at_most_the_whole_input():
    # 10,000 x $0.20/M: the local estimate of the prefix may exceed the endpoint's count
    assert estimate_cost(OPUS_5_5, 10_000, 1, cached_tokens=12_000).low == pytest.approx(0.002)


def test_worst_case_never_uses_a_write_price_below_the_input_price():
    odd = Prices(input=3, write_5m=1, write_1h=1, cache_read=0.1, output=0)
    # an override may price writes below input; a miss may still bill plain input: 1M x $3/M
    assert estimate_cost(odd, 1_000_000, 0).high == pytest.approx(3.0)


def test_batch_halves_both_ends_and_output_is_per_request():
    # 500 rows, 600,000 input tokens in all, max_tokens 300 each:
    # low: 600,000 x $2/M x 0.5 = $0.60
    # high: (600,000 x $2.50/M + 500 x 300 x $10/M) x 0.5 = ($1.50 + $1.50) x 0.5
    r = estimate_cost(SONNET_5_5, 600_000, 300, batch=True, requests=500)
    assert r == approx(0.60, 1.50)


def test_requests_multiply_output_not_the_input_total():
    # 3 requests, 3,000 input tokens in all: high = 3,000 x $2.50/M + 3 x 100 x $10/M = $0.0075 + $0.003
    assert estimate_cost(SONNET_5_5, 3_000, 100, requests=3) == approx(0.006, 0.0105)


@pytest.mark.parametrize("model", ["claude-mythos-preview", "gpt-4o", "claude-opus-50"])
def test_unknown_prices_give_an_unknown_range_never_zero(model):
    r = estimate_cost(resolve_prices(model), 10_000, 1_000)
    assert r == CostRange(None, None)
    assert not r.known


def test_an_override_of_all_five_classes_makes_an_unknown_model_priced():
    prices = resolve_prices(
        "claude-mythos-preview",
        {"claude-mythos": {"input": 1, "write_5m": 2, "write_1h": 3, "cache_read": 0.5, "output": 4}},
    )
    # low: 1M x $1/M; high: 1M x $2/M + 1M x $4/M
    assert estimate_cost(prices, 1_000_000, 1_000_000) == approx(1.0, 6.0)


def test_the_ledger_cost_of_a_call_falls_inside_its_estimate():
    # The call read its 8,000-token prefix, wrote the other 2,000 (5m) and used all of max_tokens.
    r = estimate_cost(OPUS_5_5, 10_000, 2_000, cached_tokens=8_000)
    usage = Usage(input_tokens=0, cache_read_input_tokens=8_000, cache_write_5m_tokens=2_000, output_tokens=2_000)
    spent = cost_usd(usage, OPUS_5_5)
    assert r.low is not None and r.high is not None and spent is not None
    assert r.low <= spent <= r.high


@pytest.mark.parametrize(
    "args",
    [
        {"input_tokens": -1, "max_tokens": 1},
        {"input_tokens": 1, "max_tokens": -1},
        {"input_tokens": 1, "max_tokens": 1, "cached_tokens": -1},
        {"input_tokens": 1, "max_tokens": 1, "requests": 0},
        {"input_tokens": 1, "max_tokens": 1, "cache": "2h"},
    ],
)
def test_impossible_counts_are_a_value_error(args):
    with pytest.raises(ValueError):
        estimate_cost(SONNET_5_5, **args)


@pytest.mark.parametrize(
    ("tokens", "batch", "expected"),
    [(50_000, False, False), (50_001, False, True), (10, True, True), (0, False, False)],
)
def test_preflight_above_the_threshold_and_before_every_batch(tokens, batch, expected):
    assert PREFLIGHT_TOKENS == 50_000
    assert needs_preflight(tokens, PREFLIGHT_TOKENS, batch=batch) is expected


def test_preflight_threshold_is_the_callers():
    assert needs_preflight(1_001, 1_000)
    assert not needs_preflight(1_000, 1_000)


def test_no_cap_lets_anything_through_even_an_unknown_cost():
    Budget().check(None, 0.0)
    Budget().check(1e9, 1e9)


def test_cell_cap_refuses_a_worst_case_above_it_in_one_line():
    with pytest.raises(BudgetExceeded) as caught:
        Budget(max_cost=0.10).check(0.12, 0.0)
    message = caught.value.message
    assert "$0.12" in message and "--max-cost $0.10" in message
    assert "nothing was sent" in message and "lower --max-tokens" in message and "Raise --max-cost" in message
    assert "\n" not in message
    assert caught.value._render_traceback_() == [f"BudgetExceeded: {message}"]
    assert isinstance(caught.value, ClaudeMagicError)


def test_cell_cap_allows_a_worst_case_equal_to_it():
    Budget(max_cost=0.12).check(0.12, 100.0)


def test_session_budget_refuses_a_request_that_would_cross_it():
    # $4.80 spent + up to $0.25 = $5.05 > $5.00; $0.20 left
    with pytest.raises(BudgetExceeded) as caught:
        Budget(budget_usd=5.0).check(0.25, 4.80)
    message = caught.value.message
    assert "$0.25" in message and "$5.05" in message and "$5.00 budget" in message and "$0.20 left" in message
    assert "%config ClaudeMagics.budget_usd" in message and "lower --max-tokens" in message


def test_session_budget_allows_a_request_that_reaches_it_exactly():
    Budget(budget_usd=5.0).check(0.25, 4.75)


def test_cell_cap_is_checked_with_the_session_budget():
    both = Budget(budget_usd=5.0, max_cost=1.0)
    both.check(1.0, 4.0)
    with pytest.raises(BudgetExceeded, match="--max-cost"):
        both.check(1.01, 0.0)
    with pytest.raises(BudgetExceeded, match="budget"):
        both.check(0.5, 4.6)


@pytest.mark.parametrize("budget", [Budget(budget_usd=5.0), Budget(max_cost=0.5)])
def test_an_unknown_cost_with_a_cap_is_refused_and_says_how_to_price_it(budget):
    with pytest.raises(BudgetExceeded) as caught:
        budget.check(None, 0.0, model="claude-mythos-preview")
    message = caught.value.message
    assert "claude-mythos-preview" in message and "unknown" in message
    assert "%config ClaudeMagics.prices" in message and "nothing was sent" in message
    assert "\n" not in message


def test_left_is_the_budget_minus_spend_never_below_zero():
    assert Budget(budget_usd=5.0).left(0.12) == pytest.approx(4.88)
    assert Budget(budget_usd=5.0).left(7.0) == 0.0
    assert Budget(max_cost=1.0).left(0.12) is None


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, True, "5"])
def test_a_cap_must_be_a_positive_finite_number(bad):
    with pytest.raises(SettingsError, match="--max-cost"):
        Budget(max_cost=bad)
    with pytest.raises(SettingsError, match="budget_usd"):
        Budget(budget_usd=bad)


def test_check_cost_cap_passes_none_and_turns_ints_into_floats():
    assert check_cost_cap(None, "--max-cost") is None
    assert check_cost_cap(5, "--max-cost") == 5.0
    assert isinstance(check_cost_cap(5, "--max-cost"), float)


@pytest.mark.parametrize(
    ("r", "text"),
    [
        (CostRange(0.0123, 0.0456), "$0.0123–$0.0456"),
        (CostRange(0.5, 1.5), "$0.5000–$1.50"),
        (CostRange(0.02, 0.02), "$0.0200"),
        (CostRange(None, None), "cost unknown"),
        (CostRange(0.01, None), "cost unknown"),
    ],
)
def test_format_range(r, text):
    assert format_range(r) == text


@pytest.mark.parametrize(
    ("spent", "budget", "text"),
    [
        (0.12, 5.0, "spent $0.12 of $5.00 budget ($4.88 left)"),
        (0.0031, 5.0, "spent $0.0031 of $5.00 budget ($5.00 left)"),
        (6.0, 5.0, "spent $6.00 of $5.00 budget ($0.00 left)"),
        (1234.5, None, "spent $1,234.50"),
        (0.0, None, "spent $0.00"),
    ],
)
def test_spend_line(spent, budget, text):
    assert spend_line(spent, budget) == text


@pytest.mark.parametrize(("amount", "text"), [(0, "$0.00"), (0.0031, "$0.0031"), (0.1, "$0.10"), (12.346, "$12.35")])
def test_dollars(amount, text):
    assert dollars(amount) == text
