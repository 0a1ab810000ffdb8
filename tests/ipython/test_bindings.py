"""The binding table: every %config trait has one row, derived rows follow their dataclasses, each target is reached."""

from __future__ import annotations

from dataclasses import fields

import pytest
from traitlets import TraitError

from claude_magic._edge.network_policy import NetworkPolicy
from claude_magic.core.platforms import PlatformConfig
from claude_magic.ipython import bindings
from claude_magic.ipython.magics import ClaudeMagics
from claude_magic.ui.settings_panel import SHOWN_TRAITS


def test_every_config_trait_has_one_binding_and_every_binding_a_trait():
    assert set(bindings.BINDINGS) == set(ClaudeMagics.class_traits(config=True))


def test_network_and_platform_rows_follow_their_dataclasses():
    assert set(bindings.NETWORK_NAMES) == {field.name for field in fields(NetworkPolicy)}
    platform = {field.name for field in fields(PlatformConfig)} - {"name"}
    assert set(bindings.PLATFORM_NAMES) == {"platform", *platform}
    assert all(bindings.BINDINGS[name].target is bindings.PLATFORM for name in bindings.PLATFORM_NAMES)


def test_the_panel_shows_what_the_table_marks_shown():
    assert set(bindings.PANEL_SHOWN) == set(SHOWN_TRAITS)


@pytest.mark.parametrize(
    ("name", "value", "seen"),
    [
        ("max_tokens", 900, lambda s: s.settings.max_tokens),
        ("timeout", 7.5, lambda s: s.connection.policy.timeout),
        ("max_retry_wait", 3.0, lambda s: s.connection.policy.max_retry_wait),
        ("aws_region", "eu-west-1", lambda s: s.connection.platform.aws_region),
        ("budget_usd", 2.5, lambda s: s.budget_usd),
        ("history_window", 3, lambda s: s.history_window),
        ("headers", {"X-Team": "r"}, lambda s: s.headers),
    ],
)
def test_a_changed_trait_reaches_its_target(magics, name, value, seen):
    setattr(magics, name, value)
    assert seen(magics.session) == value


def test_a_session_knob_gets_a_copy_not_the_traits_own_dict(magics):
    magics.prices = {"claude-opus-5-5": {"input": 4}}
    magics.session.prices["x"] = {}
    assert "x" not in magics.prices


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("aws_region", "eu west", "aws_region"),
        ("timeout", 0.0, "timeout must be more than 0"),
        ("history_window", -1, "history_window must be 0 or more"),
        ("max_tool_rounds", 0, "max_tool_rounds must be 1 or more"),
        ("approval_timeout", 0.0, "approval_timeout must be a number of seconds"),
        ("budget_usd", -1.0, "budget_usd"),
        ("effort", "max", "effort"),
    ],
)
def test_a_refused_value_is_one_line_and_changes_nothing(magics, name, value, words):
    before, session_before = getattr(magics, name), repr(vars(magics.session.connection.policy))
    magics.model = "claude-haiku-4-5"  # takes no effort
    with pytest.raises(TraitError, match=words) as refused:
        setattr(magics, name, value)
    assert "\n" not in str(refused.value)
    assert getattr(magics, name) == before and repr(vars(magics.session.connection.policy)) == session_before


@pytest.mark.parametrize(("value", "kept"), [("AUTO", "auto"), (" Off ", "off"), ("2048", 2048), (4096, 4096)])
def test_thinking_is_one_trait_of_several_forms(magics, value, kept):
    magics.model, magics.max_tokens = "claude-opus-4-5", 8192  # takes manual budgets
    magics.thinking = value
    assert magics.thinking == kept and magics.session.settings.thinking == kept


@pytest.mark.parametrize("value", [1.5, None, ["auto"], "-5", "lots"])
def test_thinking_refuses_other_forms_in_one_line(magics, value):
    with pytest.raises(TraitError) as refused:
        magics.thinking = value
    assert "\n" not in str(refused.value) and magics.thinking == "auto"


def test_start_up_leaves_an_environment_simulator_on(shell, session):
    session.connection.simulate = True
    second = ClaudeMagics(shell=shell, session=session)  # simulate trait False: only a change turns it off
    shell.configurables.remove(second)  # a second instance would hear every later %config of the shared shell
    assert session.connection.simulate
