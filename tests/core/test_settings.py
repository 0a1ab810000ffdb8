"""Settings validation: every bad value or combination is a one-line SettingsError."""

from __future__ import annotations

import pytest

from claude_magic.core.errors import SettingsError
from claude_magic.core.request import build_request, thinking_param
from claude_magic.core.settings import Settings, parse_thinking


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"max_tokens": -5}, "--max-tokens must be a positive whole number, not -5"),
        ({"max_tokens": 0}, "--max-tokens must be a positive"),
        ({"max_tokens": 500_000}, "exceeds claude-sonnet-5-5's maximum output of 128000"),
        ({"effort": "huge"}, "--effort must be one of low, medium, high, xhigh, max"),
        ({"thinking": 500}, "claude-sonnet-5-5 rejects manual thinking budgets"),
        ({"model": "claude-opus-5-5", "thinking": "off"}, "claude-opus-5-5 always thinks"),
        ({"model": "claude-haiku-4-5", "thinking": "adaptive"}, "has no adaptive thinking"),
        ({"model": "claude-opus-4-6", "thinking": 500}, "at least 1024 and below --max-tokens (4096), not 500"),
        ({"model": "claude-opus-4-6", "thinking": 8000}, "below --max-tokens (4096), not 8000"),
        ({"model": "claude-haiku-4-5", "effort": "high"}, "does not take --effort"),
        ({"thinking": "sometimes"}, "--thinking must be one of auto, off, adaptive"),
        ({"colour": "red"}, "unknown setting(s): colour"),
    ],
)
def test_bad_settings_name_the_option(changes, fragment):
    with pytest.raises(SettingsError) as caught:
        Settings().with_changes(**changes)
    assert fragment in caught.value.message
    assert len(caught.value._render_traceback_()) == 1


def test_valid_changes_return_a_new_frozen_copy():
    base = Settings()
    changed = base.with_changes(model="claude-opus-4-6", thinking=2048, max_tokens=8000)
    assert (changed.thinking, changed.max_tokens) == (2048, 8000)
    assert base.max_tokens == 4096
    with pytest.raises(AttributeError):
        changed.max_tokens = 1  # type: ignore[misc]


def test_unknown_model_is_accepted():
    assert Settings().with_changes(model="claude-experimental-x", thinking=2048).model == "claude-experimental-x"


@pytest.mark.parametrize(("raw", "parsed"), [("auto", "auto"), ("OFF", "off"), ("2048", 2048), (4096, 4096)])
def test_parse_thinking(raw, parsed):
    assert parse_thinking(raw) == parsed


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(), None),
        (Settings(show_thinking=True), {"type": "adaptive", "display": "summarized"}),
        (Settings(thinking="off"), {"type": "disabled"}),
        (Settings(thinking="adaptive"), {"type": "adaptive"}),
        (Settings(model="claude-opus-4-6", thinking=2048), {"type": "enabled", "budget_tokens": 2048}),
        (Settings(model="claude-haiku-4-5", show_thinking=True), None),
    ],
)
def test_thinking_param(settings, expected):
    assert thinking_param(settings) == expected


def test_build_request_shape():
    settings = Settings(system="Be terse.", effort="low")
    history = [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
    ]
    request = build_request(settings, history, [{"type": "text", "text": "next"}])
    assert request == {
        "model": "claude-sonnet-5-5",
        "max_tokens": 4096,
        "system": "Be terse.",
        "output_config": {"effort": "low"},
        "messages": [*history, {"role": "user", "content": [{"type": "text", "text": "next"}]}],
    }
    assert not {"temperature", "top_p", "top_k"} & set(request)


def test_fit_to_model_clamps_and_drops_what_the_model_rejects():
    from claude_magic.core.models import lookup
    from claude_magic.core.settings import Settings, fit_to_model

    settings = Settings(model="claude-opus-4-6", max_tokens=100_000, effort="high", thinking=80_000)
    assert fit_to_model(settings, lookup("claude-haiku-4-5")) == {
        "max_tokens": 64_000,
        "effort": None,
        "thinking": "auto",
    }
    assert fit_to_model(Settings(), lookup("claude-sonnet-5-5")) == {}
    assert fit_to_model(Settings(thinking="off"), lookup("claude-opus-5-5")) == {"thinking": "auto"}
    assert fit_to_model(settings, None) == {}


def test_user_id_betas_and_compaction_shape_the_request():
    plain = build_request(Settings(), [], [{"type": "text", "text": "hi"}])
    assert not {"metadata", "betas", "context_management"} & set(plain)
    settings = Settings().with_changes(user_id="4f1c", betas=["context-1m-2025-08-07"], compact_at=90_000)
    request = build_request(settings, [], [{"type": "text", "text": "hi"}])
    assert request["metadata"] == {"user_id": "4f1c"}
    assert request["betas"] == ["context-1m-2025-08-07", "compact-2026-01-12"]
    edit = {"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": 90_000}}
    assert request["context_management"] == {"edits": [edit]}
    only_compaction = build_request(Settings(compact_at=5), [], [{"type": "text", "text": "hi"}])
    assert only_compaction["betas"] == ["compact-2026-01-12"]


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"X Team": "v"}, "header names are HTTP tokens"),
        ({"Authorization": "Bearer s3cr3t-value"}, "header Authorization is set by claude_magic or the SDK"),
        ({"X-Team": "s3cr3t-value\r\nX-Evil: 1"}, "header X-Team: the value must be one line"),
        ({"X-Team": 7}, "header X-Team: the value must be one line"),
    ],
)
def test_bad_headers_name_the_header_never_the_value(headers, fragment):
    from claude_magic.core.settings import check_headers

    with pytest.raises(SettingsError) as caught:
        check_headers(headers)
    assert fragment in caught.value.message and "s3cr3t" not in caught.value.message
