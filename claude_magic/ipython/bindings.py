"""Where each %config trait applies: one table of trait -> check -> target, and the code that follows it.

A target is where a value goes (the request settings, the network policy, the platform, a
session knob, the connection) or nowhere, for a value read where it is used when a cell runs.
The validator, the observer, the start-up sync and the one-at-a-time config loading of
ClaudeMagics all read this table; the request, network and platform rows derive from their
dataclasses' fields.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any

from traitlets import TraitError
from traitlets.config import Config

from .._edge.network_policy import NetworkPolicy
from ..core.budget import check_cost_cap
from ..core.errors import McpError, PlatformError, SettingsError
from ..core.platforms import PlatformConfig, check_location
from ..core.settings import SETTING_NAMES, check_headers, check_prices, check_table_budget

Check = Callable[[str, Any], Any]  # (trait name, proposed value) -> the value kept; a bad one raises one line
NETWORK_NAMES = tuple(field.name for field in fields(NetworkPolicy))
# PlatformConfig.name is the `platform` trait; its other fields are traits of the same name.
PLATFORM_NAMES = ("platform", *(field.name for field in fields(PlatformConfig) if field.name != "name"))


def _always(owner: Any) -> bool:
    return True


def _fits_nothing(owner: Any, name: str, value: Any) -> None:
    return None


@dataclass(frozen=True)
class Target:
    """Where trait values go: `apply(owner, names)` on a change and at start-up; `fits` checks against what is there."""

    apply: Callable[[Any, tuple[str, ...]], None]
    fits: Callable[[Any, str, Any], None] = _fits_nothing
    at_start: Callable[[Any], bool] = _always  # whether start-up applies it (else only a later change does)


@dataclass(frozen=True)
class Binding:
    """One trait: its check, its target (None: read when a cell runs), and whether `%claude settings` shows it."""

    target: Target | None = None
    check: Check | None = None
    shown: bool = False


def _values(owner: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(owner, name) for name in names}


def _to_settings(owner: Any, names: tuple[str, ...]) -> None:
    owner.session.configure(**_values(owner, names))


def _fits_settings(owner: Any, name: str, value: Any) -> None:
    owner.session.settings.with_changes(**{name: value})


def _to_network(owner: Any, names: tuple[str, ...]) -> None:
    connection = owner.session.connection
    connection.policy = connection.policy.with_changes(**_values(owner, names))


def _fits_network(owner: Any, name: str, value: Any) -> None:
    owner.session.connection.policy.with_changes(**{name: value})


def _to_platform(owner: Any, names: tuple[str, ...]) -> None:
    values = _values(owner, PLATFORM_NAMES)
    owner.session.connection.use_platform(PlatformConfig(name=values.pop("platform"), **values))


def _to_session(owner: Any, names: tuple[str, ...]) -> None:
    for name, value in _values(owner, names).items():
        setattr(owner.session, name, dict(value) if isinstance(value, dict) else value)


def _to_simulator(owner: Any, names: tuple[str, ...]) -> None:
    owner.session.connection.simulate = owner.simulate


def _to_replay(owner: Any, names: tuple[str, ...]) -> None:
    owner.session.connection.use_replay(owner.replay, owner.replay_mode)


SETTINGS = Target(_to_settings, _fits_settings)  # core/settings.Settings: shapes every request
NETWORK = Target(_to_network, _fits_network)  # _edge/network_policy.NetworkPolicy: timeouts and retries
PLATFORM = Target(_to_platform)  # core/platforms.PlatformConfig: where requests go
SESSION = Target(_to_session)  # a knob of the Session of the same name
# simulate and replay may already be on from the environment: start-up only turns them on.
SIMULATOR = Target(_to_simulator, at_start=lambda owner: bool(owner.simulate))
REPLAY = Target(_to_replay, at_start=lambda owner: bool(owner.replay))


def _not_negative(name: str, value: int) -> int:
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, not {value}")
    return int(value)


def _rounds(name: str, value: int) -> int:
    from .options import rounds_problem

    if value < 1:
        raise SettingsError(rounds_problem(name, value))
    return int(value)


def _seconds_or_none(name: str, value: float | None) -> float | None:
    if value is not None and not 0 < value < float("inf"):
        raise SettingsError(f"{name} must be a number of seconds above 0, or None to wait forever; not {value}")
    return value


def _mcp_servers(name: str, value: dict[str, Any]) -> dict[str, Any]:
    from ..tools.mcp import McpServerConfig

    for server, entry in value.items():
        McpServerConfig.from_mapping(server, entry)
    return dict(value)


SHOWN = ("model", "max_tokens", "effort", "thinking", "show_thinking", "system", "cache")
BINDINGS: dict[str, Binding] = {
    **{name: Binding(SETTINGS, shown=name in SHOWN) for name in SETTING_NAMES},
    **{name: Binding(NETWORK) for name in NETWORK_NAMES},
    "platform": Binding(PLATFORM),
    **{name: Binding(PLATFORM, check_location) for name in PLATFORM_NAMES[1:]},
    "history_window": Binding(SESSION, _not_negative, shown=True),
    "table_token_budget": Binding(None, lambda name, value: int(check_table_budget(value)), shown=True),
    "prices": Binding(SESSION, lambda name, value: check_prices(value)),
    "headers": Binding(SESSION, lambda name, value: dict(check_headers(value))),
    "budget_usd": Binding(SESSION, lambda name, value: check_cost_cap(value, name)),
    "preflight_tokens": Binding(SESSION, _not_negative),
    "autosave": Binding(SESSION),
    "simulate": Binding(SIMULATOR),
    "replay": Binding(REPLAY),
    "replay_mode": Binding(REPLAY),
    "max_tool_rounds": Binding(None, _rounds),
    "approval_timeout": Binding(None, _seconds_or_none),
    "agent_timeout": Binding(None, _seconds_or_none),
    "agent_approval": Binding(None),
    "mcp_servers": Binding(None, _mcp_servers),
    "display": Binding(None),
    "context": Binding(None),
    "context_tokens": Binding(None, lambda name, value: _context_check("check_context_tokens")(value, name)),
    "context_exclude": Binding(None, lambda name, value: list(_context_check("check_exclude")(value, name))),
}
CHECKED = tuple(name for name, binding in BINDINGS.items() if binding.check or binding.target)
APPLIED = tuple(name for name, binding in BINDINGS.items() if binding.target)
PANEL_SHOWN = tuple(name for name, binding in BINDINGS.items() if binding.shown)


def check(owner: Any, name: str, value: Any) -> Any:
    """The value trait `name` keeps, checked by its own rule and against its target; a bad one is a TraitError."""
    binding = BINDINGS[name]
    try:
        if binding.check is not None:
            value = binding.check(name, value)
        if binding.target is not None:
            binding.target.fits(owner, name, value)
    except (SettingsError, PlatformError, McpError) as error:
        raise TraitError(error.message) from None
    return value


def apply(owner: Any, name: str) -> None:
    """Send trait `name`'s new value where it applies."""
    target = BINDINGS[name].target
    if target is not None:
        target.apply(owner, (name,))


def apply_all(owner: Any) -> None:
    """At start-up: send every trait's value where it applies, each target once, in the table's order."""
    for target in dict.fromkeys(b.target for b in BINDINGS.values() if b.target is not None):
        if target.at_start(owner):
            target.apply(owner, tuple(name for name, b in BINDINGS.items() if b.target is target))


def load_config(owner: Any, mine: Config, load: Callable[[Config], None], *, starting: bool) -> None:
    """Load `mine` one trait at a time, model first; a rejected value is one line and the old value stays."""
    problems = []
    for name in sorted(mine, key=_load_order):
        before = getattr(owner, name, None)
        try:
            load(Config({type(owner).__name__: {name: mine[name]}}))
            # traitlets skips the validators of a value equal to the old one (True == 1): run them now
            owner.set_trait(name, getattr(owner, name))
        except TraitError as error:
            problems.append(f"{type(owner).__name__}.{name}: {error}")
            owner.set_trait(name, before)
    if not problems:
        return
    message = "; ".join(problems) + " (the old value is kept)"
    if starting:  # while loading ipython_config.py: warn, don't break %load_ext
        print(f"claude_magic: {message}", file=sys.stderr)
    else:
        raise SettingsError(message)


def _load_order(name: str) -> int:
    # The model decides which other values are valid, and max_tokens bounds a thinking budget.
    return SETTING_NAMES.index(name) if name in SETTING_NAMES else len(SETTING_NAMES)


def _context_check(name: str) -> Callable[..., Any]:
    """A check of core/context.py, imported when a context setting first changes (not at %load_ext)."""
    from ..core import context

    return getattr(context, name)  # type: ignore[no-any-return]
