"""Frozen request settings and the rules that reject invalid values or combinations."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import SettingsError
from .models import (
    ADAPTIVE,
    CACHE_POLICIES,
    DEFAULT_MODEL,
    DISABLED,
    EFFORTS,
    ENABLED,
    MIN_THINKING_BUDGET,
    PRICE_CLASSES,
    SERVER_TOOL_PRICES,
    SERVER_TOOLS_KEY,
    ModelInfo,
    lookup,
)

THINKING_WORDS = ("auto", "off", "adaptive")

Thinking = str | int  # "auto" (model default) | "off" | "adaptive" | manual budget in tokens


@dataclass(frozen=True)
class Settings:
    """Everything that shapes a request, besides the chat history and the new content."""

    model: str = DEFAULT_MODEL
    max_tokens: int = 4096
    effort: str | None = None
    thinking: Thinking = "auto"
    show_thinking: bool = False
    system: str | None = None
    cache: str = "auto"  # auto (5m) | off | 5m | 1h
    user_id: str | None = None  # metadata.user_id: an opaque id the user chose; never derived from the machine
    betas: tuple[str, ...] = ()  # anthropic-beta values, sent through the SDK's beta surface
    compact_at: int | None = None  # input tokens at which the API compacts the context (beta)

    def with_changes(self, **changes: Any) -> Settings:
        """A validated copy with `changes` applied; unknown names are a SettingsError."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        if "betas" in changes and isinstance(changes["betas"], list | tuple):
            changes["betas"] = tuple(changes["betas"])
        return validate(replace(self, **changes))


SETTING_NAMES = tuple(f.name for f in fields(Settings))  # in load order: the model decides what else is valid


# ASCII digits only: str.isdigit() and int() also take '²' and '２', which a user never means as a number.
_WHOLE = re.compile(r"-?[0-9]+")


def parse_whole(text: str) -> int | None:
    """The whole number `text` spells in ASCII digits (an optional leading minus), or None."""
    text = text.strip()
    if not _WHOLE.fullmatch(text):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return None


def parse_thinking(value: str | int) -> Thinking:
    """'auto' | 'off' | 'adaptive' | a whole number of budget tokens in ASCII digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in THINKING_WORDS:
        return text
    budget = parse_whole(text) if not text.startswith("-") else None
    if budget is not None:
        return budget
    raise SettingsError(f"--thinking must be one of {', '.join(THINKING_WORDS)} or a token budget, not {value!r}")


def validate(settings: Settings) -> Settings:
    """Return `settings` unchanged, or raise SettingsError naming the bad value."""
    _check_model(settings.model)
    _check_system(settings.system)
    info = lookup(settings.model)
    _check_max_tokens(settings.max_tokens, info)
    _check_effort(settings.effort, info)
    _check_thinking(settings, info)
    _check_cache(settings.cache)
    _check_user_id(settings.user_id)
    _check_betas(settings.betas)
    _check_compact_at(settings.compact_at)
    return settings


def _check_model(model: str) -> None:
    if not isinstance(model, str) or not model or any(c.isspace() or not c.isprintable() for c in model):
        raise SettingsError(
            f"--model must be a model id such as {DEFAULT_MODEL} (no spaces or control characters), not {model!r}"
        )


def _check_system(system: str | None) -> None:
    surrogate = lone_surrogate(system or "")
    if surrogate:
        raise SettingsError(f"--system contains {surrogate}, a lone surrogate that cannot be sent as UTF-8; retype it")


def lone_surrogate(text: str) -> str | None:
    """'U+D800' for the first lone surrogate in `text` (which UTF-8 cannot encode), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"U+{ord(text[error.start]):04X}"
    return None


def check_table_budget(budget: int) -> int:
    """`budget` when it is a positive whole number of tokens (option and trait share this rule), else SettingsError."""
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise SettingsError(f"--table-budget must be a positive whole number of tokens, not {budget!r}")
    return budget


def check_prices(prices: Mapping[str, Any]) -> Mapping[str, Any]:
    """`prices` when every override is a known token class priced at a finite number >= 0, else SettingsError."""
    for prefix, classes in prices.items():
        if not isinstance(prefix, str) or not prefix.strip():
            raise SettingsError(f"each key must be a model prefix such as 'claude-opus-5', not {prefix!r}")
        if not isinstance(classes, Mapping):
            raise SettingsError(f"prices[{prefix!r}] must be a dict of token class -> USD, not {classes!r}")
        known = SERVER_TOOL_PRICES if prefix == SERVER_TOOLS_KEY else PRICE_CLASSES
        unknown = sorted(map(str, set(classes) - set(known)))
        if unknown:
            raise SettingsError(f"unknown price class(es) {unknown} for {prefix!r}; use {', '.join(known)}")
        for name, price in classes.items():
            _check_price(prefix, name, price)
    return prices


def _check_price(prefix: str, name: str, price: Any) -> None:
    number = isinstance(price, (int, float)) and not isinstance(price, bool)
    if not number or not math.isfinite(price) or price < 0:
        raise SettingsError(
            f"prices[{prefix!r}][{name!r}] must be a finite number of USD per million tokens, 0 or more, not {price!r}"
        )


def _check_cache(cache: str) -> None:
    if cache not in CACHE_POLICIES:
        raise SettingsError(f"--cache must be one of {', '.join(CACHE_POLICIES)}, not {cache!r}")


MAX_USER_ID_CHARS = 256  # the API's limit on metadata.user_id
COMPACT_BETA = "compact-2026-01-12"  # the beta header that threshold compaction (compact_20260112) needs
# An HTTP header field name (RFC 9110 token); values may not carry line breaks or other control characters.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BETA_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
# Headers the SDK or claude_magic sets itself: overriding them would break authentication or the protocol
# (api-key is Foundry's key header; host names the server the request is for).
RESERVED_HEADERS = (
    "x-api-key",
    "authorization",
    "api-key",
    "host",
    "anthropic-version",
    "anthropic-beta",
    "content-type",
    "content-length",
)


def _check_user_id(user_id: str | None) -> None:
    if user_id is None:
        return
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_USER_ID_CHARS:
        raise SettingsError(
            f"user_id must be an opaque id of 1 to {MAX_USER_ID_CHARS} characters (a uuid or a hash), "
            "not a name or an email address"
        )
    if lone_surrogate(user_id) or any(not c.isprintable() for c in user_id):
        raise SettingsError("user_id contains control characters or a lone surrogate; use a uuid or a hash")


def _check_betas(betas: tuple[str, ...]) -> None:
    if not isinstance(betas, tuple):
        raise SettingsError(f"betas must be a list of beta names such as ['{COMPACT_BETA}'], not {betas!r}")
    for beta in betas:
        if not isinstance(beta, str) or not _BETA_NAME.fullmatch(beta):
            raise SettingsError(f"each beta is a name such as '{COMPACT_BETA}' (no commas or spaces), not {beta!r}")


def _check_compact_at(compact_at: int | None) -> None:
    if compact_at is None:
        return
    if isinstance(compact_at, bool) or not isinstance(compact_at, int) or compact_at < 1:
        raise SettingsError(f"--compact-at must be a positive whole number of input tokens, not {compact_at!r}")


def check_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    """`headers` as a dict when every name is an HTTP token the SDK does not own and every value a one-line string.

    Errors name the header, never its value (a value may be a secret).
    """
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise SettingsError(f"header names are HTTP tokens such as X-Team (no spaces or ':'), not {name!r}")
        if name.lower() in RESERVED_HEADERS:
            raise SettingsError(f"header {name} is set by claude_magic or the SDK; use its own setting instead")
        if not isinstance(value, str) or not all(c == "\t" or " " <= c <= "~" for c in value):
            raise SettingsError(f"header {name}: the value must be one line of ASCII text (not shown here)")
        checked[name] = value
    return checked


def _check_max_tokens(max_tokens: int, info: ModelInfo | None) -> None:
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise SettingsError(f"--max-tokens must be a positive whole number, not {max_tokens!r}")
    if info and max_tokens > info.max_output:
        raise SettingsError(f"--max-tokens {max_tokens} exceeds {info.id}'s maximum output of {info.max_output}")


def _check_effort(effort: str | None, info: ModelInfo | None) -> None:
    if effort is None:
        return
    if effort not in EFFORTS:
        raise SettingsError(f"--effort must be one of {', '.join(EFFORTS)}, not {effort!r}")
    if info and not info.effort:
        raise SettingsError(f"{info.id} does not take --effort; leave it unset")


def _check_thinking(settings: Settings, info: ModelInfo | None) -> None:
    thinking = settings.thinking
    if isinstance(thinking, int):
        _check_budget(thinking, settings.max_tokens, info)
    elif thinking not in THINKING_WORDS:
        raise SettingsError(
            f"--thinking must be one of {', '.join(THINKING_WORDS)} or a token budget, not {thinking!r}"
        )
    elif info and thinking == "off" and not info.accepts(DISABLED):
        raise SettingsError(f"{info.id} always thinks; use --thinking adaptive or auto")
    elif info and thinking == "adaptive" and not info.accepts(ADAPTIVE):
        raise SettingsError(f"{info.id} has no adaptive thinking; use --thinking N (a budget of at least 1024)")


def _check_budget(budget: int, max_tokens: int, info: ModelInfo | None) -> None:
    if info and not info.accepts(ENABLED):
        raise SettingsError(f"{info.id} rejects manual thinking budgets; use --thinking adaptive with --effort instead")
    if budget < MIN_THINKING_BUDGET or budget >= max_tokens:
        raise SettingsError(
            f"--thinking budget must be at least {MIN_THINKING_BUDGET} "
            f"and below --max-tokens ({max_tokens}), not {budget}"
        )


def fit_to_model(settings: Settings, info: ModelInfo | None) -> dict[str, Any]:
    """The changes that make `settings` valid for `info`: clamp max_tokens, drop what the model rejects."""
    if info is None:
        return {}
    changes: dict[str, Any] = {}
    if settings.max_tokens > info.max_output:
        changes["max_tokens"] = info.max_output
    if settings.effort is not None and not info.effort:
        changes["effort"] = None
    try:
        _check_thinking(replace(settings, **changes), info)
    except SettingsError:
        changes["thinking"] = "auto"
    return changes
