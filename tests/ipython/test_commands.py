"""%claude subcommands, did-you-mean, --param and configuration, through a real InteractiveShell."""

from __future__ import annotations

import pytest

from claude_magic.core.models import REGISTRY
from claude_magic.ipython.commands import COMMANDS
from claude_magic.ipython.extension import load_project_config
from claude_magic.ipython.project_config import apply_project_config


def sent_texts(sim):
    return [r.body["messages"][-1]["content"][-1]["text"] for r in sim.requests]


def test_help_lists_every_wired_subcommand(run):
    result, out = run("%claude help")
    assert result.success
    for name in COMMANDS:
        assert f"%claude {name}" in out.stdout
    assert "%claude -- help me" in out.stdout


def test_help_word_after_double_dash_is_a_prompt(run, sim):
    run("%claude -- help me")
    assert sent_texts(sim) == ["help me"]


def test_line_prompt_takes_the_cell_options(run, sim):
    result, _ = run("%claude -m claude-haiku-5-5 What is 2**10?")
    assert result.success
    assert (sim.requests[-1].body["model"], sent_texts(sim)) == ("claude-haiku-5-5", ["What is 2**10?"])


@pytest.mark.parametrize(
    ("line", "guess"), [("dashbord", "dashboard"), ("hisotry", "history"), ("rest --all", "reset")]
)
def test_typo_says_did_you_mean_and_sends_nothing(run, sim, line, guess):
    result, out = run(f"%claude {line}")
    shown = out.stdout + out.stderr
    assert not result.success
    assert f"did you mean {guess}?" in shown
    assert "Traceback" not in shown and len(shown.strip().splitlines()) == 1
    assert sim.requests == []


def test_a_sentence_is_not_mistaken_for_a_typo(run, sim):
    run("%claude chat about p-values please")
    assert sent_texts(sim) == ["chat about p-values please"]


def test_subcommand_with_stray_words_sends_nothing(run, sim):
    result, out = run("%claude history of Rome")
    assert not result.success and "%claude -- history" in out.stderr
    assert sim.requests == []


def test_known_but_unwired_names_are_in_the_list():
    assert {"dashboard", "export", "load", "fix"} <= set(COMMANDS)


def test_usage_is_a_summary_by_chat_and_model_with_the_frame_one_attribute_away(run, shell, session):
    run("%claude one")
    run("%claude two")
    run("%claude --chat side -m claude-haiku-5-5 three")
    summary = shell.run_line_magic("claude", "usage")
    records = session.usage.records
    assert [(r.chat, r.model, r.calls) for r in summary.rows] == [
        ("default", session.settings.model, 2),
        ("side", "claude-haiku-5-5", 1),
    ]
    default = records[0].usage.total_input_tokens + records[1].usage.total_input_tokens
    assert summary.rows[0].input_tokens == default and summary.total.calls == 3
    assert summary.total.cost_usd == pytest.approx(sum(r.cost_usd for r in records))
    assert list(summary.frame["call"]) == [1, 2, 3] and summary.frame["output_tokens"].min() > 0
    run("%claude four")
    assert len(summary.frame) == 3, "the frame holds the calls the summary counted"


def test_usage_reads_rounded_with_separators_and_no_raw_ledger(run, shell, session):
    run("%claude one")
    text = repr(shell.run_line_magic("claude", "usage"))
    lines = text.splitlines()
    headers = ["chat", "model", "calls", "input tokens", "output tokens", "cache hit rate", "cost"]
    assert lines[0].startswith("spent $") and [cell.strip() for cell in lines[1].split("  ") if cell] == headers
    record = session.usage.records[0]
    total = lines[-2].split()
    assert total[:2] == ["total", "1"] and total[2] == f"{record.usage.total_input_tokens:,}"
    assert total[-2].endswith("%") and total[-1] == f"${record.cost_usd:.4f}"
    assert ".frame" in lines[-1] and "<NA>" not in text and "started_at" not in text


def test_history_and_chats(run, shell):
    run("%claude first")
    run("%claude second")
    run("%claude --chat side third")
    frame = shell.run_line_magic("claude", "history --chat default")
    prompts, replies = frame[frame["role"] == "user"], frame[frame["role"] == "assistant"]
    assert list(prompts["text"]) == ["first", "second"]
    assert replies["text"].str.contains("Simulated reply").all()
    assert len(shell.run_line_magic("claude", "history")) == 6, "one row per message"
    chats = shell.run_line_magic("claude", "chats").set_index("chat")
    assert chats.loc["default", "turns"] == 2 and chats.loc["side", "turns"] == 1
    assert chats.loc["default", "output_tokens"] == replies["output_tokens"].sum()
    assert chats.loc["default", "cost_usd"] == pytest.approx(replies["cost_usd"].sum())


def test_reset_one_chat_or_all(run, session):
    run("%claude one")
    run("%claude --chat side two")
    run("%claude reset --chat side")
    assert set(session.transcript.chats) == {"default"}
    run("%claude reset --all")
    assert session.transcript.chats == {}


def test_reset_rejects_both_flags(run, session):
    run("%claude one")
    result, out = run("%claude reset --all --chat default")
    assert not result.success and "not both" in out.stderr
    assert len(session.transcript.chat().exchanges) == 1


def test_undo_drops_the_last_exchange(run, sim, session):
    run("%claude one")
    run("%claude two")
    result, out = run("%claude undo")
    assert result.success and "'two'" in out.stdout
    assert [e.prompt for e in session.transcript.chat().exchanges] == ["one"]
    run("%claude three")
    assert len(sim.requests[-1].body["messages"]) == 3


def test_retry_resends_the_last_prompt_and_replaces_its_reply(run, sim, session):
    from claude_magic.simulator import ScriptedReply

    run("%claude one")
    sim.queue(ScriptedReply(text="first try"))
    run("%claude two")
    result, out = run("%claude retry")
    assert result.success and "Simulated reply" in out.stdout
    assert sent_texts(sim)[-1] == "two" and len(sim.requests[-1].body["messages"]) == 3
    replies = [e.reply.text for e in session.transcript.chat().exchanges]
    assert len(replies) == 2 and "first try" not in replies[1]


def test_failed_retry_keeps_the_old_reply(run, sim, session):
    from claude_magic.simulator import ScriptedError

    run("%claude one")
    sim.queue(ScriptedError(status=529, message="Overloaded"))
    result, _ = run("%claude retry")
    assert not result.success
    assert [e.prompt for e in session.transcript.chat().exchanges] == ["one"]


def test_models_table_comes_from_the_models_api(shell, magics, sim):
    frame = shell.run_line_magic("claude", "models").set_index("id")
    assert any(r.path.startswith("/v1/models") for r in sim.requests)
    assert len(frame) == len(REGISTRY)
    assert frame.loc["claude-haiku-4-5", "context_window"] == 200_000
    assert frame.loc["claude-haiku-4-5", "input_usd_per_mtok"] == 1
    assert frame.loc["claude-opus-4-6", "thinking_modes"] == "adaptive, disabled, enabled"


def test_config_table_shows_current_values(shell, magics):
    magics.max_tokens = 777
    frame = shell.run_line_magic("claude", "config")
    assert frame.loc["max_tokens", "value"] == 777
    assert "0 sends them all" in frame.loc["history_window", "help"]


def test_settings_subcommand_returns_a_bound_panel(shell, magics):
    panel = shell.run_line_magic("claude", "settings")
    magics.max_tokens = 900
    assert panel.controls["max_tokens"].value == 900


def test_public_settings_panel_needs_the_extension(shell, magics):
    import claude_magic

    panel = claude_magic.settings_panel()
    assert panel.target is shell.magics_manager.registry["ClaudeMagics"]


def test_param_reaches_the_request_body(run, sim):
    result, out = run('%claude --param \'metadata={"user_id": "u-1"}\' --param service_tier=\'"auto"\' hi')
    assert result.success, out.stderr
    body = sim.requests[-1].body
    assert body["metadata"] == {"user_id": "u-1"} and body["service_tier"] == "auto"


@pytest.mark.parametrize(
    ("param", "fragment"),
    [("metadata={oops", "is not JSON"), ("novalue", "wants KEY=JSON"), ("max_tokens=5", "use --max-tokens")],
)
def test_bad_param_is_one_line_and_sends_nothing(run, sim, param, fragment):
    result, out = run(f"%claude --param '{param}' hi")
    assert not result.success and fragment in out.stderr
    assert sim.requests == []


def test_history_window_limits_what_is_sent(run, sim, shell, magics, session):
    shell.run_line_magic("config", "ClaudeMagics.history_window = 1")
    assert session.history_window == 1
    for prompt in ("one", "two", "three"):
        run(f"%claude {prompt}")
    assert len(sim.requests[-1].body["messages"]) == 3


@pytest.mark.parametrize(
    ("statement", "fragment", "name", "old"),
    [
        ("thinking = 500", "rejects manual thinking budgets", "thinking", "auto"),
        ("max_tokens = 'lots'", "expected an int", "max_tokens", 4096),
        ("history_window = -1", "must be 0 or more", "history_window", 0),
        ("cache = '2h'", "cache", "cache", "auto"),
    ],
)
def test_bad_config_value_is_one_line_and_keeps_the_old_value(
    run, shell, magics, statement, fragment, name, old, caplog
):
    # %config reports a configurable's exception through logging.error(e): one record, one line.
    _, out = run(f"%config ClaudeMagics.{statement}")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert fragment in lines[0] and "the old value is kept" in lines[0]
    assert "Traceback" not in out.stdout + out.stderr
    assert getattr(magics, name) == old
    shell.config.pop("ClaudeMagics")  # %config merged the rejected value into the shell's own config


def test_pyproject_settings_apply_and_unknown_keys_get_did_you_mean(tmp_path, magics):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.claude_magic]\nmax_tokens = 1500\nmodel = "claude-haiku-5-5"\nmax_token = 3\n'
    )
    nested = tmp_path / "notebooks" / "deep"
    nested.mkdir(parents=True)
    problems = apply_project_config(magics, nested)
    assert (magics.max_tokens, magics.model) == (1500, "claude-haiku-5-5")
    assert len(problems) == 1 and "did you mean 'max_tokens'?" in problems[0]


def test_pyproject_bad_value_is_ignored_with_a_line(tmp_path, magics):
    (tmp_path / "pyproject.toml").write_text("[tool.claude_magic]\nthinking = 500\n")
    problems = apply_project_config(magics, tmp_path)
    assert magics.thinking == "auto" and "rejects manual thinking budgets" in problems[0]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[tool.claude_magic\nmax_tokens = 1500\n', "could not read"),  # ours, malformed: one line
        ("[project\nname = 'other'\n", None),  # another tool's malformed file: not ours to parse
        ("[tool.black]\nline-length = 120\n", None),
    ],
    ids=["ours malformed", "theirs malformed", "no section"],
)
def test_a_pyproject_is_parsed_only_when_it_names_claude_magic(tmp_path, magics, text, says):
    (tmp_path / "pyproject.toml").write_text(text)
    problems = apply_project_config(magics, tmp_path)
    assert magics.max_tokens != 1500
    assert problems == [] if says is None else (len(problems) == 1 and says in problems[0])


def test_ipython_config_wins_over_pyproject(tmp_path, shell, magics, monkeypatch, capsys):
    from traitlets.config import Config

    (tmp_path / "pyproject.toml").write_text("[tool.claude_magic]\nmax_tokens = 1500\nhistory_window = 4\nmodle = 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(shell.config, "ClaudeMagics", Config(max_tokens=2500))
    magics.max_tokens = 2500
    load_project_config(magics, shell)
    assert (magics.max_tokens, magics.history_window) == (2500, 4)
    assert "did you mean 'model'?" in capsys.readouterr().err


def test_ipython_config_combination_loads_in_order_and_bad_values_warn(shell, session, capsys):
    from traitlets.config import Config

    from claude_magic.ipython.magics import ClaudeMagics

    config = Config()
    config.ClaudeMagics.thinking = 2048  # valid only once the model below is applied
    config.ClaudeMagics.model = "claude-opus-4-6"
    config.ClaudeMagics.history_window = -2
    magics = ClaudeMagics(shell=None, session=session, config=config)
    assert (magics.model, magics.thinking, magics.history_window) == ("claude-opus-4-6", 2048, 0)
    assert session.settings.thinking == 2048
    err = capsys.readouterr().err
    assert "history_window must be 0 or more" in err and len(err.strip().splitlines()) == 1


def test_export_then_load_continues_the_chat(run, shell, session, sim, tmp_path, make_client):
    run("%claude first question")
    path = tmp_path / "chat.jsonl"
    result, out = run(f"%claude export {path}")
    assert result.success and path.exists() and "wrote" in out.stdout
    session.transcript.reset()
    result, out = run(f"%claude load {path}")
    assert result.success and "default" in out.stdout
    run("%claude second question")
    assert [m["role"] for m in sim.requests[-1].body["messages"]] == ["user", "assistant", "user"]


def test_dashboard_subcommand_shows_the_live_figure(run, session):
    run("%claude hello")
    result, out = run("%claude dashboard")
    assert result.success, out.stderr
    assert out.outputs, "the dashboard displays something"


def test_fix_subcommand_without_an_error_says_so(run, sim):
    result, out = run("%claude fix")
    assert result.success and "no exception recorded" in out.stdout
    assert sim.requests == []


def test_failed_new_cell_keeps_the_old_chat(run, sim, session):
    from claude_magic.simulator import ScriptedError

    run("%claude kept")
    sim.queue(ScriptedError(status=500, message="boom"))
    result, _ = run("%%claude --new\nstart over")
    assert not result.success
    assert [e.prompt for e in session.transcript.chat().exchanges] == ["kept"]


BIG_SYSTEM = "You are a careful analyst. " * 800  # well above every model's cacheable minimum


def test_why_on_an_empty_chat_says_there_is_nothing(run):
    _, out = run("%claude why --chat nowhere")
    assert "no replies yet" in out.stdout


def test_why_explains_a_first_write_then_a_read(run, session):
    session.configure(system=BIG_SYSTEM)
    run("%claude first question")
    _, out = run("%claude why")
    assert "read nothing from the cache" in out.stdout and "first request with this prefix" in out.stdout
    run("%claude second question")
    _, out = run("%claude why")
    assert "from the cache (" in out.stdout and "none missed" in out.stdout


def test_why_names_the_setting_that_broke_the_cache(run, session):
    session.configure(system=BIG_SYSTEM)
    run("%claude first question")
    run("%claude -s 'A different system prompt, long enough to cache. " + "More words. " * 600 + "' second")
    _, out = run("%claude why")
    assert "system" in out.stdout and "changed" in out.stdout


def test_mcp_list_with_nothing_running(run):
    _, out = run("%claude mcp")
    assert "running: none" in out.stdout


def test_mcp_stop_of_a_server_that_is_not_running_is_one_line(run):
    result, out = run("%claude mcp stop nosuch")
    assert "no MCP server 'nosuch' is running" in out.stdout + out.stderr + str(result.error_in_exec)


def test_audit_reads_the_saved_notebook_named_or_the_kernels_own(run, shell, tmp_path, monkeypatch):
    from tests.test_audit import _notebook

    path = _notebook(tmp_path)
    named, out = run(f"%claude audit {path}")
    assert named.success and f"audit of the saved file {path}" in out.stdout and "$1.75" in out.stdout
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    unknown, _ = run("%claude audit")
    assert "write %claude audit PATH" in str(unknown.error_in_exec)
    monkeypatch.setitem(shell.user_ns, "__session__", str(path))
    own, out = run("%claude audit")
    assert own.success and f"audit of the saved file {path}" in out.stdout


def test_audit_check_replay_fails_as_one_line_naming_the_cell(run, tmp_path):
    import json

    from claude_magic.audit import ReplayIncomplete
    from tests.test_audit import _notebook

    path, recording = _notebook(tmp_path), tmp_path / "rec.jsonl"
    recording.write_text("\n".join(json.dumps({"fingerprint": key}) for key in ("k1", "k2")))
    failed, _ = run(f"%claude audit {path} --check-replay {recording}")
    assert isinstance(failed.error_in_exec, ReplayIncomplete)
    assert "cell 4: 1 of 2 requests not in the recording" in str(failed.error_in_exec)
    recording.write_text("\n".join(json.dumps({"fingerprint": key}) for key in ("k1", "k2", "k3")))
    passed, out = run(f"%claude audit {path} --check-replay {recording}")
    assert passed.success and "reruns from it for $0" in out.stdout
