"""Hostile %%claude option lines and %config values: each is one line naming the fix, and nothing is sent."""

from __future__ import annotations

import math
from collections.abc import Iterator
from copy import deepcopy
from typing import Any

import pytest
from IPython.core.error import UsageError

from claude_magic.core.errors import AttachmentError, SettingsError
from claude_magic.core.settings import Settings, parse_thinking

Run = Any


@pytest.fixture(autouse=True)
def restore_shell_config(shell: Any) -> Iterator[None]:
    """%config merges every statement into shell.config, rejected or not; later ClaudeMagics would load it."""
    saved = deepcopy(shell.config)
    yield
    shell.config = saved


def fails_in_one_line(run: Run, sim: Any, source: str, error: type[Exception], fragment: str) -> str:
    """Run `source`; it fails with one `error` line containing `fragment`, no traceback, and sends nothing."""
    before = len(sim.requests)
    result, out = run(source)
    shown = (out.stdout + out.stderr).strip()
    assert not result.success, shown
    assert isinstance(result.error_in_exec, error), repr(result.error_in_exec)
    message = getattr(result.error_in_exec, "message", None) or str(result.error_in_exec)
    assert fragment in message, message
    assert "\n" not in message and "Traceback" not in shown and len(shown.splitlines()) == 1, shown
    assert len(sim.requests) == before
    return message


def last_content(sim: Any) -> list[dict[str, Any]]:
    return sim.requests[-1].body["messages"][-1]["content"]


def config(shell: Any, caplog: pytest.LogCaptureFixture, statement: str) -> list[str]:
    """Run `%config ClaudeMagics.<statement>`; the error lines it logged (IPython logs a rejected %config)."""
    caplog.clear()
    shell.run_line_magic("config", f"ClaudeMagics.{statement}")
    return [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]


def rejected(shell: Any, magics: Any, caplog: pytest.LogCaptureFixture, name: str, value: str, fragment: str) -> None:
    """`%config ClaudeMagics.name = value` logs one line with `fragment`; trait and session keep the old value."""
    old_trait, old_settings, old_prices = getattr(magics, name), magics.session.settings, magics.session.prices
    [line] = config(shell, caplog, f"{name} = {value}")
    assert fragment in line and "\n" not in line, line
    assert getattr(magics, name) == old_trait
    assert (magics.session.settings, magics.session.prices) == (old_settings, old_prices)


# -- 7: -a X -a Y --------------------------------------------------------------------------


def test_repeated_attach_sends_every_name(run, sim, shell):
    shell.user_ns.update(first="Alpha text.", second="Beta text.", third="Gamma text.")
    result, out = run("%%claude -a first -a second third\nCompare them.")
    assert result.success, out.stdout + out.stderr
    titles = [block["title"] for block in last_content(sim) if block["type"] == "document"]
    assert titles == ["first", "second", "third"]


# -- 8: unicode digits as a thinking budget ------------------------------------------------


@pytest.mark.parametrize("budget", ["²", "２０４８", "٢٠٤٨", "2048²", "-2048", "2_048"])
def test_thinking_budget_takes_ascii_digits_only(run, sim, budget):
    fails_in_one_line(run, sim, f"%%claude -m claude-opus-4-6 --thinking {budget}\nhi", SettingsError, "--thinking")
    with pytest.raises(SettingsError, match="--thinking must be one of"):
        parse_thinking(budget)


@pytest.mark.parametrize("budget", ["'²'", "'２０４８'"])
def test_config_thinking_unicode_digits_keeps_old_value(shell, magics, caplog, budget):
    rejected(shell, magics, caplog, "thinking", budget, "--thinking must be one of")
    panel = magics.settings_panel()  # the panel reads the trait: it must still be a valid value
    assert panel.controls["thinking"].value == "auto"


def test_ascii_budget_still_parses_and_the_trait_holds_the_number(shell, magics, caplog):
    shell.run_line_magic("config", "ClaudeMagics.model = 'claude-opus-4-6'")
    try:
        assert config(shell, caplog, "thinking = ' 2048 '") == []
        assert magics.thinking == 2048 == magics.session.settings.thinking
    finally:
        magics.thinking = "auto"
        magics.model = Settings().model


# -- 11: --param keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "fragment"),
    [
        ("' model=\"x\"'", "--param model is built by claude_magic; use -m"),
        ("'model =\"x\"'", "--param model is built by claude_magic; use -m"),
        ("'\tmax_tokens=5'", "--param max_tokens is built by claude_magic"),
        ("stream=false", "--param stream is built by claude_magic"),
        ("'Model=\"x\"'", "lowercase"),
        ("'meta-data={}'", "lowercase"),
        ("'a.b=1'", "lowercase"),
        ("'ｍodel=1'", "lowercase"),
        ("=1", "KEY=JSON"),
    ],
)
def test_param_keys_are_normalised_before_the_guard(run, sim, param, fragment):
    fails_in_one_line(run, sim, f"%%claude --param {param}\nhi", UsageError, fragment)


def test_param_with_spaces_around_a_free_key_is_sent_under_the_clean_key(run, sim):
    result, out = run('%%claude --param \' metadata ={"user_id": "u1"}\'\nhi')
    assert result.success, out.stdout + out.stderr
    assert sim.requests[-1].body["metadata"] == {"user_id": "u1"}


# -- 12: empty model ids ----------------------------------------------------------------------


@pytest.mark.parametrize("model", ["''", "'   '", "'claude sonnet'", "'claude-\x07'"])
def test_blank_model_is_one_line(run, sim, model):
    fails_in_one_line(run, sim, f"%%claude -m {model}\nhi", SettingsError, "--model")


def test_config_blank_model_keeps_old_value(shell, magics, caplog):
    rejected(shell, magics, caplog, "model", "''", "--model must be a model id")
    rejected(shell, magics, caplog, "model", "' \\t'", "--model must be a model id")


def test_blank_model_in_core_settings():
    for model in ("", " ", "a b", "x\n"):
        with pytest.raises(SettingsError, match="--model must be a model id"):
            Settings().with_changes(model=model)


# -- 13: -o names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["1abc", "class", "None", "''", "get_ipython", "exit", "quit", "In", "Out", "_", "_x", "__builtins__", "a-b"],
)
def test_out_refuses_unreachable_or_machinery_names(run, sim, shell, name):
    fails_in_one_line(run, sim, f"%%claude -o {name}\nhi", UsageError, "-o")
    result, _ = run("get_ipython()")
    assert result.success


def test_out_binds_the_name_python_code_reaches(run, shell):
    result, _ = run("%%claude -o ﬁnding\nhi")  # NFKC: code that says ﬁnding reaches `finding`
    assert result.success
    result, _ = run("finding.text")
    assert result.success and "Simulated reply" in result.result


# -- 14: table budget and prices --------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "fragment"),
    [
        ("-1", "--table-budget must be a positive whole number of tokens, not -1"),
        ("0", "--table-budget must be a positive whole number of tokens, not 0"),
        ("'²'", "argument --table-budget: must be a whole number in digits 0-9, not '²'"),
        ("１０", "argument --table-budget: must be a whole number in digits 0-9"),
    ],
)
def test_table_budget_option_is_a_positive_whole_number(run, sim, shell, budget, fragment):
    shell.user_ns["notes"] = "Some notes."
    error = UsageError if "argument" in fragment else SettingsError
    fails_in_one_line(run, sim, f"%%claude -a notes --table-budget {budget}\nhi", error, fragment)


def test_table_budget_trait_follows_the_same_rule(shell, magics, caplog):
    rejected(shell, magics, caplog, "table_token_budget", "0", "--table-budget must be a positive whole number")
    rejected(shell, magics, caplog, "table_token_budget", "-1", "--table-budget must be a positive whole number")


@pytest.mark.parametrize(
    ("prices", "fragment"),
    [
        ("{'claude-sonnet-5-5': {'input': -4}}", "-4"),
        ("{'claude-sonnet-5-5': {'output': float('nan')}}", "nan"),
        ("{'claude-sonnet-5-5': {'output': float('inf')}}", "inf"),
        ("{'my-model': {'input': 'cheap'}}", "'cheap'"),
        ("{'claude-sonnet-5': {'input': True}}", "True"),
        ("{'claude-sonnet-5-5': 3}", "a dict"),
        ("{'': {'input': 1}}", "model prefix"),
        ("{'claude-sonnet-5-5': {'inptu': 1}}", "inptu"),
    ],
)
def test_bad_prices_keep_the_old_value(shell, magics, caplog, prices, fragment):
    rejected(shell, magics, caplog, "prices", prices, fragment)


def test_check_prices_accepts_finite_non_negative_numbers():
    from claude_magic.core.settings import check_prices

    prices = {"claude-sonnet-5": {"input": 0, "output": 2.5}}
    assert check_prices(prices) == prices
    for bad in (-0.01, math.nan, math.inf, -math.inf):
        with pytest.raises(SettingsError, match="a finite number of USD per million tokens"):
            check_prices({"claude-sonnet-5": {"input": bad}})


# -- 18: citations across the chat -------------------------------------------------------------


@pytest.mark.parametrize(("first", "second", "advice"), [("", "--cite", "drop --cite"), ("--cite", "", "add --cite")])
def test_citation_conflict_with_the_history_names_the_history(run, sim, shell, first, second, advice):
    shell.user_ns["notes"] = "The grass is green. The sky is blue."
    result, _ = run(f"%%claude -a notes {first}\nWhat colour is grass?")
    assert result.success
    message = fails_in_one_line(run, sim, f"%%claude -a notes {second}\nAnd the sky?", AttachmentError, advice)
    assert "earlier in this chat" in message
    assert all(way in message for way in ("--new", "--chat NAME", "%claude reset"))
    result, _ = run(f"%%claude -a notes {second} --new\nAnd the sky?")
    assert result.success


# -- 19: -a swallowing the line magic's prompt --------------------------------------------------


def test_line_magic_prompt_eaten_by_attach_says_to_use_double_dash(run, sim, shell):
    shell.user_ns["df"] = "Some text."
    fails_in_one_line(run, sim, "%claude -a df What is this?", UsageError, "%claude -a df -- What is this?")
    fails_in_one_line(run, sim, "%claude Explain -a df this", AttachmentError, "put -- before the prompt")
    result, out = run("%claude -a df -- What is this?")
    assert result.success, out.stdout + out.stderr
    assert last_content(sim)[-1]["text"] == "What is this?"


def test_cell_magic_unknown_name_has_no_double_dash_hint(run, sim):
    message = fails_in_one_line(run, sim, "%%claude -a nosuchname\nhi", AttachmentError, "unknown name")
    assert "--" not in message.replace("no variable", "")


# -- also: blank chat names and lone surrogates on the line ------------------------------------


def test_blank_chat_name_is_one_line(run, sim):
    fails_in_one_line(run, sim, "%%claude --chat ''\nhi", UsageError, "--chat")


@pytest.mark.parametrize("line", ["-s '\ud800'", "--chat '\udcff'", "-m 'claude-\ud83d'"])
def test_lone_surrogate_on_the_line_is_one_line(run, sim, line):
    fails_in_one_line(run, sim, f"%%claude {line}\nhi", UsageError, "surrogate")


@pytest.mark.parametrize(
    ("source", "error", "fragment"),
    [
        ("%%claude\nhi \ud800", UsageError, "the prompt contains U+D800"),
        ("%claude hi \udcff", UsageError, "contains U+DCFF"),
        ("%%claude\nvalue {{bad}}", AttachmentError, "{{bad}} holds U+D800"),
        ("%%claude -a bad\nhi", AttachmentError, "'bad' holds U+D800"),
        ("%%claude -a frame\nhi", AttachmentError, "'frame' holds U+D800"),
    ],
)
def test_lone_surrogates_in_what_is_sent_are_one_line(run, sim, shell, source, error, fragment):
    import pandas as pd

    shell.user_ns.update(bad="text \ud800", frame=pd.DataFrame({"a": ["x\ud800"]}))
    fails_in_one_line(run, sim, source, error, fragment)
