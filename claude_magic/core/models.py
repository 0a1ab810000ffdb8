"""Model registry: prices, limits, thinking modes and cache minimums, as dated data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Source for every row unless noted: shared/ANTHROPIC_API.md §7, §8, §11 (Anthropic docs, Sep-Nov 2026).
# Prices are USD per million tokens.

ADAPTIVE = "adaptive"
ENABLED = "enabled"  # manual budget_tokens
DISABLED = "disabled"
BETWEEN_TOOLS = "between_tools"

STANDARD_IMAGE_EDGE = 1568
HIGH_RES_IMAGE_EDGE = 2576  # Claude 4.7+ high-resolution tier


@dataclass(frozen=True)
class Prices:
    """USD per million tokens for each token class."""

    input: float
    write_5m: float
    write_1h: float
    cache_read: float
    output: float


@dataclass(frozen=True)
class ModelInfo:
    """What claude_magic needs to know about one model family."""

    id: str
    name: str
    prices: Prices | None
    context_window: int
    max_output: int
    thinking_modes: frozenset[str]
    thinks_by_default: bool
    min_cache_tokens: int
    image_long_edge: int = HIGH_RES_IMAGE_EDGE
    status: str = "active"
    effort: bool = True
    aliases: tuple[str, ...] = field(default=())

    def accepts(self, mode: str) -> bool:
        """True when the API accepts `thinking.type == mode` on this model."""
        return mode in self.thinking_modes


def _p(inp: float, w5: float, w1: float, read: float, out: float) -> Prices:
    return Prices(inp, w5, w1, read, out)


_ALWAYS = frozenset({ADAPTIVE})
_ADAPTIVE_OFF = frozenset({ADAPTIVE, DISABLED})
_SONNET_5_5 = frozenset({ADAPTIVE, DISABLED, BETWEEN_TOOLS})
_PREVIEW = frozenset({ADAPTIVE, ENABLED})
_ALL = frozenset({ADAPTIVE, ENABLED, DISABLED})
_MANUAL_ONLY = frozenset({ENABLED, DISABLED})
_STD = STANDARD_IMAGE_EDGE

# fmt: off
REGISTRY: tuple[ModelInfo, ...] = (
    #         id                       name                     prices: in,  5m,   1h,  read, out       ctx        max out  thinking       thinks  min cache
    ModelInfo("claude-fable-5-2",      "Claude Fable 5.2",      _p(8,    10,   16,   0.20, 40),   1_000_000, 128_000, _ALWAYS,       True,  512),
    ModelInfo("claude-mythos-5-2",     "Claude Mythos 5.2",     _p(8,    10,   16,   0.20, 40),   1_000_000, 128_000, _ALWAYS,       True,  512, status="invite-only"),
    ModelInfo("claude-fable-5-1",      "Claude Fable 5.1",      _p(10,   12.5, 20,   0.25, 50),   1_000_000, 128_000, _ALWAYS,       True,  512),
    ModelInfo("claude-mythos-5-1",     "Claude Mythos 5.1",     _p(10,   12.5, 20,   0.25, 50),   1_000_000, 128_000, _ALWAYS,       True,  512),
    ModelInfo("claude-fable-5",        "Claude Fable 5",        _p(10,   12.5, 20,   1.00, 50),   1_000_000, 128_000, _ALWAYS,       True,  512, status="legacy"),
    ModelInfo("claude-mythos-5",       "Claude Mythos 5",       _p(10,   12.5, 20,   1.00, 50),   1_000_000, 128_000, _ALWAYS,       True,  512, status="legacy"),
    ModelInfo("claude-opus-5-5",       "Claude Opus 5.5",       _p(4,    5,    8,    0.20, 20),   1_000_000, 128_000, _ALWAYS,       True,  512),
    ModelInfo("claude-opus-5",         "Claude Opus 5",         _p(5,    6.25, 10,   0.50, 25),   1_000_000, 128_000, _ADAPTIVE_OFF, True,  512, status="legacy"),
    ModelInfo("claude-sonnet-5-5",     "Claude Sonnet 5.5",     _p(2,    2.5,  4,    0.10, 10),   1_000_000, 128_000, _SONNET_5_5,   True,  512),
    ModelInfo("claude-sonnet-5",       "Claude Sonnet 5",       _p(2,    2.5,  4,    0.20, 10),   1_000_000, 128_000, _ADAPTIVE_OFF, True,  1024, status="legacy"),
    ModelInfo("claude-haiku-5-5",      "Claude Haiku 5.5",      _p(0.10, 0.125, 0.20, 0.01, 0.50), 1_000_000, 128_000, _ADAPTIVE_OFF, True, 512),
    ModelInfo("claude-opus-4-8",       "Claude Opus 4.8",       _p(5,    6.25, 10,   0.50, 25),   1_000_000, 128_000, _ADAPTIVE_OFF, False, 1024, status="legacy"),
    ModelInfo("claude-opus-4-7",       "Claude Opus 4.7",       _p(5,    6.25, 10,   0.50, 25),   1_000_000, 128_000, _ADAPTIVE_OFF, False, 2048, status="legacy"),
    ModelInfo("claude-mythos-preview", "Claude Mythos Preview", None,                            1_000_000, 128_000, _PREVIEW,      True,  2048, status="deprecated"),
    ModelInfo("claude-opus-4-6",       "Claude Opus 4.6",       _p(5,    6.25, 10,   0.50, 25),   1_000_000, 128_000, _ALL,          False, 4096, _STD, status="legacy"),
    ModelInfo("claude-sonnet-4-6",     "Claude Sonnet 4.6",     _p(3,    3.75, 6,    0.30, 15),   1_000_000, 128_000, _ALL,          False, 1024, _STD, status="legacy"),
    ModelInfo("claude-opus-4-5",       "Claude Opus 4.5",       _p(5,    6.25, 10,   0.50, 25),   200_000,   64_000,  _MANUAL_ONLY,  False, 4096, _STD, status="legacy"),
    ModelInfo("claude-sonnet-4-5",     "Claude Sonnet 4.5",     _p(3,    3.75, 6,    0.30, 15),   200_000,   64_000,  _MANUAL_ONLY,  False, 1024, _STD, status="deprecated", effort=False),
    ModelInfo("claude-haiku-4-5",      "Claude Haiku 4.5",      _p(1,    1.25, 2,    0.10, 5),    200_000,   64_000,  _MANUAL_ONLY,  False, 4096, _STD, status="legacy", effort=False),
)
# fmt: on
# Notes on rows: Fable 5.2 cache prices and Mythos 5.2 parity follow ANTHROPIC_API.md §11 notes a/b;
# Sonnet 5.5's $0.10 cache read applies from 2026-10-07 (note c); Haiku 5.5 is its <=100K-prompt band.

DEFAULT_MODEL = "claude-sonnet-5-5"
EFFORTS = ("low", "medium", "high", "xhigh", "max")
CACHE_POLICIES = ("auto", "off", "5m", "1h")  # auto = 5-minute breakpoints; the API's TTLs are 5m and 1h
MIN_THINKING_BUDGET = 1024

_BY_ID = {info.id: info for info in REGISTRY}


def lookup(model: str) -> ModelInfo | None:
    """The registry entry for `model` by longest-prefix match on `-` boundaries, or None."""
    candidate = model
    while candidate:
        if candidate in _BY_ID:
            return _BY_ID[candidate]
        candidate, _, _ = candidate.rpartition("-")
    return None


PRICE_CLASSES = ("input", "write_5m", "write_1h", "cache_read", "output")

# Server tool fees in USD per request (ANTHROPIC_API.md §11 "Price modifiers", Anthropic pricing page,
# checked 2026-11-22): web search $10 per 1,000 searches; web fetch is free beyond its tokens.
SERVER_TOOL_PRICES = {"web_search_requests": 10.0 / 1000, "web_fetch_requests": 0.0}
# Message Batches bill input and output at 50% of list price, stacking with the cache multipliers
# (ANTHROPIC_API.md §11 "Price modifiers" and §12 "Message Batches", Anthropic pricing page, checked 2026-11-22).
BATCH_DISCOUNT = 0.5
# In price overrides this key holds server tool fees, e.g. {"server_tools": {"web_search_requests": 0.012}}.
SERVER_TOOLS_KEY = "server_tools"


def resolve_tool_prices(overrides: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, float]:
    """Server tool fees per request with any `server_tools` override applied."""
    override = dict((overrides or {}).get(SERVER_TOOLS_KEY) or {})
    unknown = set(override) - set(SERVER_TOOL_PRICES)
    if unknown:
        raise ValueError(f"unknown server tool(s) {sorted(unknown)}; use {', '.join(SERVER_TOOL_PRICES)}")
    return {**SERVER_TOOL_PRICES, **{name: float(value) for name, value in override.items()}}


def resolve_prices(model: str, overrides: Mapping[str, Mapping[str, float]] | None = None) -> Prices | None:
    """The model's prices with the longest matching override prefix applied; None when unknown.

    `overrides` maps a model prefix (e.g. "claude-opus-5") to any of the five token classes in
    USD per million tokens. A model without registry prices needs all five overridden.
    """
    info = lookup(model)
    base = info.prices if info else None
    model_overrides = {k: v for k, v in (overrides or {}).items() if k != SERVER_TOOLS_KEY}
    override = _longest_override(model, model_overrides)
    if not override:
        return base
    unknown = set(override) - set(PRICE_CLASSES)
    if unknown:
        raise ValueError(f"unknown price class(es) {sorted(unknown)}; use {', '.join(PRICE_CLASSES)}")
    if base is None and set(override) != set(PRICE_CLASSES):
        return None
    merged = {name: float(override.get(name, getattr(base, name, 0.0))) for name in PRICE_CLASSES}
    return Prices(**merged)


def _longest_override(model: str, overrides: Mapping[str, Mapping[str, float]]) -> Mapping[str, float]:
    matches = [prefix for prefix in overrides if model == prefix or model.startswith(prefix + "-")]
    return overrides[max(matches, key=len)] if matches else {}
