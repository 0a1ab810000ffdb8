"""Property tests: a %%claude line sends one request or prints one error line; a %config value applies or is refused."""

from __future__ import annotations

import keyword
import math
import re
import shlex
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from IPython.utils.capture import capture_output

from claude_magic import Session
from claude_magic.core.settings import SETTING_NAMES, parse_thinking
from claude_magic.ipython.bindings import PLATFORM_NAMES
from claude_magic.ipython.magics import ClaudeMagics
from claude_magic.ipython.options import parse_options
from claude_magic.ipython.transform import protect_question_marks

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The one-line errors a user may see: IPython's UsageError and the project's error tree.
ERROR_LINE = re.compile(
    r"(UsageError|SettingsError|AttachmentError|MissingKeyError|TranscriptFileError|RequestFailed|StreamFailed): \S"
)
NAMESPACE = {"notes": "The grass is green. The sky is blue.", "df": pd.DataFrame({"a": [1, 2]})}

# Each flag with values a user would type for it; each also draws from BAD below and from random text.
GOOD: dict[str, tuple[str, ...]] = {
    "-m": ("claude-opus-4-6", "claude-haiku-4-5", "claude-sonnet-5-5", "claude-unknown-x"),
    "--max-tokens": ("1024", "2048", "9000"),
    "--effort": ("low", "max"),
    "--thinking": ("auto", "off", "adaptive", "2048"),
    "--cache": ("auto", "off", "5m", "1h"),
    "-s": ("Terse.", "'Be brief.'"),
    "--chat": ("draft", "other"),
    "-o": ("answer", "ﬁnding"),
    "-f": ("markdown", "text", "code"),
    "--param": ('metadata={"user_id": "u"}', 'service_tier="auto"'),
    "-a": ("notes", "df", "df:full", "https://example.org/a.png"),
    "--table-budget": ("500", "4000"),
}
# Values that were once accepted, sent badly or raised a traceback, per flag.
BAD: dict[str, tuple[str, ...]] = {
    "-m": ("", " ", "claude sonnet", "claude-\x07"),
    "--max-tokens": ("0", "-5", "²", "２０４８", "1_000", "9" * 5000),
    "--effort": ("", "huge"),
    "--thinking": ("²", "２０４８", "٣", "-2048", "500", "9" * 5000),
    "--cache": ("", "2h"),
    "-s": ("\ud800",),
    "--chat": ("", " ", "x\udcff"),
    "-o": ("", "1abc", "class", "None", "get_ipython", "In", "Out", "exit", "_", "_x", "a-b", "ｇet_ipython"),
    "-f": ("html",),
    "--param": (' model="x"', "stream=true", "Model=1", "a=", "=1", "x={", "messages=[]", "\tsystem=1"),
    "-a": ("nosuch", "~nosuchuser/x.txt", "\x00.txt", "x" * 300 + ".txt", "http://x", "What", "report.pdf"),
    "--table-budget": ("0", "-1", "²", "１０"),
}
ALIASES = {"--model": "-m", "--system": "-s", "--out": "-o", "--format": "-f", "--attach": "-a"}
BARE_FLAGS = ("--show-thinking", "--new", "--no-history", "--no-stream", "--cite", "--", "-", "-h", "--bogus", "--yes")
RESERVED = ("get_ipython", "In", "Out", "exit", "quit")


@st.composite
def quoted(draw: st.DrawFn, value: str) -> str:
    """`value` as a user might type it: bare, quoted, or now and then with an unbalanced quote."""
    style = draw(st.sampled_from(("bare",) * 7 + ("quoted",) * 7 + ("open-single", "open-double")))
    return {"bare": value, "quoted": shlex.quote(value), "open-single": "'" + value, "open-double": '"' + value}[style]


@st.composite
def option(draw: st.DrawFn) -> list[str]:
    """One flag with 0-2 values (mostly one, mostly a sensible one), a bare flag, or a stray word."""
    kind = draw(st.sampled_from(("value",) * 8 + ("bare", "word")))
    if kind == "bare":
        return [draw(st.sampled_from(BARE_FLAGS))]
    if kind == "word":
        return [draw(st.text(max_size=10).flatmap(quoted))]
    flag = draw(st.sampled_from((*GOOD, *ALIASES)))
    good, bad = st.sampled_from(GOOD[ALIASES.get(flag, flag)]), st.sampled_from(BAD[ALIASES.get(flag, flag)])
    value = st.one_of(good, good, bad, st.text(max_size=10))
    count = draw(st.sampled_from((1,) * 8 + (0, 2)))
    return [flag, *(draw(value.flatmap(quoted)) for _ in range(count))]


@st.composite
def option_lines(draw: st.DrawFn) -> str:
    """A %%claude line mixing the real flags, their values, stray words and `--`."""
    return " ".join(word for _ in range(draw(st.integers(0, 4))) for word in draw(option()))


@contextmanager
def fresh_magics(shell: Any, client: Any) -> Iterator[ClaudeMagics]:
    """ClaudeMagics on a new session, registered in the shell; shell.config and user_ns are restored afterwards."""
    saved_config, saved_ns = deepcopy(shell.config), dict(shell.user_ns)
    magics = ClaudeMagics(shell=shell, session=Session(client=client))
    shell.register_magics(magics)
    shell.input_transformers_cleanup.append(protect_question_marks)
    shell.user_ns.update(NAMESPACE)
    try:
        yield magics
    finally:
        shell.input_transformers_cleanup.remove(protect_question_marks)
        while magics in shell.configurables:
            shell.configurables.remove(magics)
        shell.config = saved_config
        shell.user_ns.clear()
        shell.user_ns.update(saved_ns)


def shown_lines(captured: Any) -> list[str]:
    return [line for line in (captured.stdout + captured.stderr).splitlines() if line.strip()]


def assert_reachable_names(user_ns: dict[str, Any], machinery: dict[str, Any]) -> None:
    """IPython's names are untouched, and every name bound (by -o) is one Python code can reach."""
    assert all(user_ns[name] is value for name, value in machinery.items())
    for name in set(user_ns) - set(NAMESPACE) - set(machinery):
        if name.startswith("_"):  # IPython's own output-history names
            continue
        assert name.isidentifier() and not keyword.iskeyword(name) and unicodedata.normalize("NFKC", name) == name


def assert_no_traceback(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert "Traceback" not in text and 'File "' not in text and "\x1b[" not in text, text


@BOUNDED
@given(line=option_lines())
def test_any_option_line_sends_one_request_or_prints_one_line(shell, sim, make_client, tmp_path, monkeypatch, line):
    monkeypatch.chdir(tmp_path)  # -a paths and -o names stay inside the test's own directory
    sim.reset()
    with fresh_magics(shell, make_client()):
        machinery = {name: shell.user_ns[name] for name in RESERVED}
        with capture_output() as captured:
            result = shell.run_cell(f"%%claude {line}\nhi", store_history=False)
        assert_reachable_names(shell.user_ns, machinery)
    lines = shown_lines(captured)
    event("sent" if sim.requests else (re.sub(r"['\"].*", "", lines[0])[:60] if lines else "silent"))
    assert_no_traceback(lines)
    if sim.requests:
        assert len(sim.requests) == 1
        return
    assert not result.success, lines
    assert len(lines) == 1 and ERROR_LINE.match(lines[0]), lines


# -- %config ----------------------------------------------------------------------------------

CONFIG_TRAITS = tuple(sorted(ClaudeMagics.class_traits(config=True)))
literals = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
PRICE_LITERALS = st.dictionaries(
    st.sampled_from(("claude-sonnet-5-5", "claude-opus-5", "my-model", "")),
    st.dictionaries(
        st.sampled_from(("input", "output", "cache_read", "write_5m", "write_1h", "inptu")),
        st.floats() | st.integers(-5, 50) | st.booleans() | st.text(max_size=3),
        max_size=5,
    ),
    max_size=2,
)
HOSTILE_LITERALS = st.sampled_from(
    ("'²'", "'２０４８'", "''", "' '", "' 2048 '", "2048", "-1", "0", "True", "float('nan')", "float('inf')",
     "'\\ud800'", "'claude sonnet'", "{'claude-sonnet-5-5': {'input': -4}}", "{'my-model': {'input': 'x'}}")
)  # fmt: skip
# Values each trait should take, so that sequences of statements reach states beyond the defaults.
GOOD_LITERALS: dict[str, tuple[str, ...]] = {
    "model": ("'claude-opus-4-6'", "'claude-haiku-4-5'", "'claude-unknown-x'", "'claude-sonnet-5-5'"),
    "max_tokens": ("2048", "9000"),
    "effort": ("'low'", "None"),
    "thinking": ("'auto'", "'adaptive'", "'off'", "' 2048 '", "1024"),
    "show_thinking": ("True", "False"),
    "system": ("'Be terse.'", "None", "''"),
    "cache": ("'1h'", "'off'"),
    "prices": ("{'claude-sonnet-5-5': {'input': 2.5}}", "{'my-model': dict.fromkeys(['input', 'write_5m', "
               "'write_1h', 'cache_read', 'output'], 1)}", "{}"),
    "simulate": ("False", "True"),
    "display": ("'text'", "'auto'"),
    "autosave": ("'log.jsonl'", "None"),
    "replay": ("None", "'rec.jsonl'"),
    "replay_mode": ("'record'", "'auto'"),
    "table_token_budget": ("500", "1"),
    "history_window": ("0", "3"),
    "timeout": ("30", "120.5", "None"),
    "max_retries": ("0", "3", "None"),
    "retry_on_timeout": ("True", "False"),
    "max_retry_wait": ("5", "60.0"),
    "preflight_tokens": ("0", "50000"),
    "budget_usd": ("None", "2.5"),
    "approval_timeout": ("None", "30", "0.5"),
    "agent_timeout": ("None", "30", "0.5"),
    "agent_approval": ("'ask'", "'session'"),
    "max_tool_rounds": ("1", "10"),
    "mcp_servers": ("{}", "{'calc': {'command': 'python', 'args': ['server.py']}}"),
    "headers": ("{}", "{'X-Team': 'research'}"),
    "user_id": ("None", "'4f1c2e9a'"),
    "betas": ("[]", "['context-1m-2025-08-07']"),
    "compact_at": ("None", "50000"),
    "platform": ("'bedrock'", "'vertex'", "'foundry'", "'anthropic'"),
    "aws_region": ("'us-east-1'", "None"),
    "aws_profile": ("'dev'", "None"),
    "vertex_project": ("'my-project'", "None"),
    "vertex_region": ("'global'", "None"),
    "foundry_resource": ("'my-resource'", "None"),
    "context": ("'off'", "'on'"),
    "context_tokens": ("1", "1500", "50000"),
    "context_exclude": ("[]", "['raw_*', 'customers']"),
}  # fmt: skip


@st.composite
def statements(draw: st.DrawFn) -> tuple[str, str]:
    """(trait, Python expression): a good value for it, a hostile one, or any literal."""
    name = draw(st.sampled_from(CONFIG_TRAITS))
    good = st.sampled_from(GOOD_LITERALS[name])
    hostile = st.one_of(literals.map(literal_text), PRICE_LITERALS.map(literal_text), HOSTILE_LITERALS)
    return name, draw(st.one_of(good, good, hostile))


def literal_text(value: Any) -> str:
    """A Python expression for `value` that %config can evaluate (repr of nan/inf is not)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    if isinstance(value, (list, dict)):
        return _container_text(value)
    return repr(value)


def _container_text(value: list[Any] | dict[Any, Any]) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(literal_text, value)) + "]"
    return "{" + ", ".join(f"{literal_text(k)}: {literal_text(v)}" for k, v in value.items()) + "}"


def session_view(magics: ClaudeMagics) -> dict[str, Any]:
    """What the session holds for each trait it mirrors."""
    session = magics.session
    view: dict[str, Any] = {name: getattr(session.settings, name) for name in SETTING_NAMES}
    view.update(prices=session.prices, history_window=session.history_window, simulate=session.connection.simulate)
    view.update(autosave=session.autosave, replay=session.connection.replay, headers=session.headers)
    view.update(budget_usd=session.budget_usd, preflight_tokens=session.preflight_tokens)
    view.update(vars(session.connection.platform))
    return view


def trait_view(magics: ClaudeMagics) -> dict[str, Any]:
    """The same entries as session_view, read from the traits (thinking and betas as the session keeps them)."""
    mirrored = (*SETTING_NAMES, "prices", "history_window", "simulate", "budget_usd", "preflight_tokens")
    view = {name: getattr(magics, name) for name in mirrored}
    view.update(thinking=parse_thinking(magics.thinking), autosave=magics.autosave, replay=magics.replay)
    view.update(betas=tuple(magics.betas), headers=magics.headers)  # the session keeps betas as a tuple
    view.update(name=magics.platform, **{name: getattr(magics, name) for name in PLATFORM_NAMES[1:]})
    return view


def all_traits(magics: ClaudeMagics) -> dict[str, Any]:
    return {name: deepcopy(getattr(magics, name)) for name in CONFIG_TRAITS}


def config_lines(shell: Any, caplog: pytest.LogCaptureFixture, statement: str) -> list[str]:
    """Run `%config statement`; what it printed plus what it logged (IPython logs a refused value)."""
    caplog.clear()
    with capture_output() as captured:
        shell.run_line_magic("config", statement)
    return shown_lines(captured) + [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]


def assert_usable(magics: ClaudeMagics) -> None:
    """An applied value is one the options and the prices accept too: the same rule in every place."""
    parse_options(f"--table-budget {magics.table_token_budget}")
    for model in (magics.session.settings.model, *magics.prices):
        prices = magics.session.prices_for(model)
        assert prices is None or all(math.isfinite(v) and v >= 0 for v in vars(prices).values()), prices


@BOUNDED
@given(steps=st.lists(statements(), min_size=1, max_size=3))
def test_any_config_value_applies_everywhere_or_is_refused_in_one_line(
    shell, sim, make_client, tmp_path, monkeypatch, caplog, steps
):
    monkeypatch.chdir(tmp_path)  # autosave and replay paths stay inside the test's own directory
    with fresh_magics(shell, make_client()) as magics:
        for name, text in steps:
            before, session_before = all_traits(magics), session_view(magics)
            lines = config_lines(shell, caplog, f"ClaudeMagics.{name} = {text}")
            assert_no_traceback(lines)
            event(f"{name}: {'refused' if lines else 'applied'}")
            if lines:
                assert len(lines) == 1 and "\n" not in lines[0], lines
                assert repr(all_traits(magics)) == repr(before)
                assert repr(session_view(magics)) == repr(session_before)
            else:
                assert trait_view(magics) == session_view(magics)
                assert_usable(magics)
        magics.settings_panel()  # whatever the traits now hold, the panel can show it
