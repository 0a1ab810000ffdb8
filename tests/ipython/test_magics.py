"""%%claude and %claude through a real InteractiveShell against the simulator."""

from __future__ import annotations

import pytest

from claude_magic.simulator import ScriptedError, ScriptedReply
from tests.conftest import TEST_KEY
from tests.interrupts import interrupt_once_streaming


def test_cell_streams_reply_and_next_cell_continues(run, sim, session):
    result, out = run("%%claude\nExplain what a p-value is in two sentences.")
    assert result.success, out.stdout + out.stderr
    assert "Simulated reply" in out.stdout
    result, _ = run("%%claude\nAnd a one-line example?")
    assert result.success
    assert len(sim.requests[-1].body["messages"]) == 3
    assert len(session.transcript.chat().exchanges) == 2


def test_line_magic_and_double_dash(run, sim):
    run("%claude What is 2**10?")
    assert sim.requests[-1].body["messages"][-1]["content"][-1]["text"] == "What is 2**10?"
    run("%claude -- --help me")
    assert sim.requests[-1].body["messages"][-1]["content"][-1]["text"] == "--help me"


def test_options_shape_the_request(run, sim):
    result, out = run("%%claude -m claude-opus-4-6 --max-tokens 9000 --thinking 2048 --effort low -s 'Be terse.'\nhi")
    assert result.success, out.stdout
    body = sim.requests[-1].body
    assert (body["model"], body["max_tokens"], body["system"]) == ("claude-opus-4-6", 9000, "Be terse.")
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["output_config"] == {"effort": "low"}


def test_out_binds_the_reply(run, shell):
    run("%%claude -o answer\nhello")
    assert "Simulated reply" in shell.user_ns["answer"].text


def test_format_code_sets_next_input_once(run, shell, sim, monkeypatch):
    calls = []
    monkeypatch.setattr(shell, "set_next_input", lambda text, replace=False: calls.append(text))
    sim.queue(ScriptedReply(text="Here:\n```python\nprint('hi')\n```\n"))
    run("%%claude -f code\nwrite code")
    assert calls == ["print('hi')"]


def test_chat_new_and_no_history(run, sim, session):
    run("%%claude\none")
    run("%%claude --chat other\ntwo")
    assert len(sim.requests[-1].body["messages"]) == 1
    run("%%claude --no-history\nthree")
    assert len(sim.requests[-1].body["messages"]) == 1
    assert len(session.transcript.chat().exchanges) == 1
    run("%%claude --new\nfour")
    assert len(sim.requests[-1].body["messages"]) == 1


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("--max-tokens -5", "--max-tokens must be a positive whole number, not -5"),
        ("--effort huge", "invalid choice: 'huge'"),
        ("--thinking 500", "rejects manual thinking budgets"),
        ("-m claude-opus-4-6 --thinking 500", "at least 1024"),
        ("--bogus", "unrecognized arguments: --bogus"),
        ("-m claude-opus-5-5 --thinking off", "always thinks"),
    ],
)
def test_bad_options_are_one_line_and_send_nothing(run, sim, line, fragment):
    result, out = run(f"%%claude {line}\nhello")
    shown = out.stdout + out.stderr
    assert not result.success
    assert fragment in shown
    assert "Traceback" not in shown and len(shown.strip().splitlines()) == 1
    assert sim.requests == []


def test_empty_cell_is_a_usage_error(run, sim):
    result, out = run("%%claude\n   ")
    assert not result.success and "nothing to send" in out.stderr
    assert sim.requests == []


def test_api_error_is_one_line_without_traceback(run, sim, session):
    run("%%claude\nkept")
    sim.queue(ScriptedError(status=529, message="Overloaded"))
    result, out = run("%%claude\nlost")
    assert not result.success
    lines = [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    assert lines == [lines[0]] and "API error 529: Overloaded (request id req_" in lines[0]
    assert len(session.transcript.chat().exchanges) == 1


def test_midstream_failure_keeps_partial_text_on_screen(run, sim, session):
    sim.queue(ScriptedReply(text="partial words " * 40, fail_after_chars=120))
    result, out = run("%%claude\nwill fail")
    assert not result.success
    assert "partial words" in out.stdout
    assert "The reply stopped early" in out.stdout
    assert session.transcript.chat().exchanges == []


def test_interrupt_keeps_partial_text_and_next_cell_works(run, sim, session):
    sim.queue(ScriptedReply(text="slow words " * 400, delay_s=0.02))
    thread = interrupt_once_streaming(sim)
    result, out = run("%%claude\nlong answer please")
    thread.join()
    assert "slow words" in out.stdout and "incomplete: interrupted" in out.stdout
    assert session.last is not None and not session.last.complete
    assert session.transcript.chat().exchanges == []
    assert session.usage.records[-1].error == "interrupted"
    result, out = run("%%claude\nnext")
    assert result.success and "Simulated reply" in out.stdout
    assert len(sim.requests[-1].body["messages"]) == 1


def test_config_traits_set_defaults(run, sim, shell, magics):
    shell.run_line_magic("config", "ClaudeMagics.max_tokens = 2048")
    shell.run_line_magic("config", "ClaudeMagics.model = 'claude-haiku-5-5'")
    run("%%claude\nhi")
    assert (sim.requests[-1].body["max_tokens"], sim.requests[-1].body["model"]) == (2048, "claude-haiku-5-5")


def test_bad_config_value_keeps_old_value(shell, magics):
    from traitlets import TraitError

    with pytest.raises(TraitError, match="rejects manual thinking budgets"):
        magics.thinking = 500
    assert magics.thinking == "auto" and magics.session.settings.thinking == "auto"


def test_help_comes_from_magic_arguments(shell, magics):
    from IPython.core.oinspect import getdoc

    doc = getdoc(magics.claude)  # what `%%claude?` shows
    assert doc.startswith("::") and "Ask Claude." in doc and "subcommands" in doc
    for option in (
        "--model",
        "--max-tokens",
        "--effort",
        "--thinking",
        "--system",
        "--chat",
        "--new",
        "--no-history",
        "--out",
        "--no-stream",
        "--format",
    ):
        assert option in doc


def test_key_never_printed(run, sim):
    sim.queue(ScriptedError(status=401, type="authentication_error", message="invalid x-api-key"))
    _, out = run("%%claude\nhi")
    assert TEST_KEY not in out.stdout + out.stderr


@pytest.mark.parametrize("line", ["%claude What is 2**10?", "%claude -m claude-haiku-5-5 is a p-value a probability?"])
def test_question_mark_is_a_prompt_not_help(run, sim, line):
    result, out = run(line)
    assert result.success, out.stdout + out.stderr
    assert sim.requests[-1].body["messages"][-1]["content"][-1]["text"].endswith("?")


def test_other_help_syntax_still_works(shell, magics):
    assert shell.transform_cell("len?").strip() == "get_ipython().run_line_magic('pinfo', 'len')"


def test_cache_option_and_trait(run, sim, shell, magics, session):
    session.configure(system="Be exact. " * 400)
    run("%%claude --cache off\nHello")
    assert "cache_control" not in str(sim.requests[-1].body)
    shell.run_line_magic("config", "ClaudeMagics.cache = '1h'")
    run("%%claude\nHello again")
    assert sim.requests[-1].body["system"][0]["cache_control"]["ttl"] == "1h"
    shell.run_line_magic("config", "ClaudeMagics.prices = {'claude-sonnet-5-5': {'output': 1.0}}")
    assert session.prices_for("claude-sonnet-5-5").output == 1.0
    shell.run_line_magic("config", "ClaudeMagics.cache = 'auto'")
    shell.run_line_magic("config", "ClaudeMagics.prices = {}")


def test_failure_before_sending_never_shows_the_previous_reply(run, sim):
    sim.queue(ScriptedReply(text="OLD REPLY TEXT"))
    run("%%claude\nfirst")
    result, out = run("%%claude --thinking 500\nsecond")
    assert not result.success
    assert "OLD REPLY TEXT" not in out.stdout


def test_search_fees_are_overridable_through_config(magics):
    magics.prices = {"server_tools": {"web_search_requests": 0.02}}
    assert magics.session.prices == {"server_tools": {"web_search_requests": 0.02}}


def test_cache_advice_is_printed_as_a_notice_not_an_error(run, session):
    session.configure(system="You are terse. " * 400)
    run("%claude --effort low one")
    result, out = run("%claude --effort high two")
    assert result.success
    assert "claude_magic: this cell invalidates the prompt cache of chat 'default' (effort changed" in out.stdout
    assert "invalidates" not in out.stderr, "stderr is drawn as a pink error bar"
