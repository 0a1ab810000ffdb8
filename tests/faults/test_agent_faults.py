"""Faults of `%%claude --agent`: hostile project files, hostile tool_use inputs, hostile code in the panel's rows.

Real shells against the strict simulator; the project file is a real pyproject.toml read by %load_ext's code.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest

from claude_magic.core.tools import ToolCall
from claude_magic.ipython.extension import load_project_config
from claude_magic.simulator import ScriptedReply
from claude_magic.ui.agent_row import ROW_CODE_CHARS, agent_row_html
from claude_magic.ui.panel import tool_row_html

HOSTILE = "</pre><script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A cloned repository whose pyproject.toml widens agent approval to the whole session."""
    monkeypatch.setenv("CLAUDE_MAGIC_TRUST_FILE", str(tmp_path / "trusted.json"))
    (tmp_path / "pyproject.toml").write_text('[tool.claude_magic]\nmax_tokens = 1500\nagent-approval = "session"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_project_file_never_sets_agent_approval_even_after_trust(project, run, magics, shell, capsys):
    capsys.readouterr()
    load_project_config(magics, shell)
    lines = capsys.readouterr().err.splitlines()
    assert magics.max_tokens == 1500 and magics.agent_approval == "ask"
    [said] = [line for line in lines if "agent_approval" in line]
    assert "never applied from a project file" in said and "%config ClaudeMagics.agent_approval" in said
    assert len(said) <= 300
    result, captured = run("%claude trust")
    assert result.success and magics.agent_approval == "ask"
    assert "never applied from a project file" in captured.stdout
    load_project_config(magics, shell)  # trusted now, loaded again: still refused
    assert magics.agent_approval == "ask"


def test_the_users_own_config_sets_agent_approval_and_a_bad_value_is_one_line(run, magics):
    result, _ = run("%config ClaudeMagics.agent_approval = 'always'")
    assert magics.agent_approval == "ask" and "\n" not in str(result.error_in_exec or "")
    run("%config ClaudeMagics.agent_approval = 'session'")
    assert magics.agent_approval == "session"
    run("%config ClaudeMagics.agent_approval = 'ask'")


@pytest.mark.parametrize("bad", ["0", "-1", "float('inf')", "float('nan')"])
def test_a_bad_agent_timeout_keeps_the_old_value(run, magics, bad):
    run(f"%config ClaudeMagics.agent_timeout = {bad}")
    assert magics.agent_timeout == 300.0


def python_use(tool_input: Any) -> ScriptedReply:
    use = {"type": "tool_use", "name": "python", "input": tool_input}
    return ScriptedReply(content=(use,), stop_reason="tool_use")


@pytest.mark.parametrize(
    "tool_input",
    [{"code": 5}, {"code": "x = 1", "cwd": "/"}, {}, {"code": ""}, {"code": "x = 1\x00"}],
    ids=["not-a-string", "extra-key", "empty", "empty-code", "nul-byte"],
)
def test_hostile_inputs_run_nothing_and_the_loop_goes_on(run, shell, sim, monkeypatch, tool_input):
    asked: list[str] = []
    monkeypatch.setattr(builtins, "input", lambda question="": asked.append(question) or "y")
    shell.user_ns.pop("x", None)
    sim.queue(python_use(tool_input))
    sim.queue(ScriptedReply(text="OK."))
    result, out = run("%%claude --agent\nGo.\n")
    assert result.error_in_exec is None and "x" not in shell.user_ns
    sent = sim.requests[-1].body["messages"][-1]["content"][0]
    assert sent["type"] == "tool_result" and "Traceback (most recent" not in out.stdout + out.stderr


def test_huge_code_is_cut_in_the_row_but_runs_whole(run, shell, sim):
    shell.user_ns.pop("agent_huge", None)
    code = "agent_huge = 0\n" + "agent_huge += 1\n" * 5_000
    sim.queue(python_use({"code": code}))
    sim.queue(ScriptedReply(text="OK."))
    result, _ = run("%%claude --agent --yes\nGo.\n")
    assert result.error_in_exec is None and shell.user_ns["agent_huge"] == 5_000
    html = agent_row_html(ToolCall("t1", "python", {"code": code}, source="agent", decided_by="--yes"))
    assert "more characters" in html and len(html) < ROW_CODE_CHARS * 3
    shell.user_ns.pop("agent_huge", None)


@pytest.mark.parametrize("running", [True, False])
def test_hostile_code_and_output_are_escaped_in_the_row(running):
    call = ToolCall(
        "t1'><script>", "python", {"code": f"print({HOSTILE!r})"}, source="agent", content=HOSTILE,
        decided_by=HOSTILE,
    )  # fmt: skip
    html = tool_row_html(call, running=running)
    assert "<script>" not in html and "<img" not in html and "onerror=alert(2)>" not in html
    assert "claude-agent" in html and "python" in html


def test_the_row_says_who_approved_or_denied_and_shows_the_output():
    ran = ToolCall("t1", "python", {"code": "1 + 1"}, source="agent", content="[value]\n2", duration_s=0.25,
                   decided_by="you")  # fmt: skip
    html = tool_row_html(ran)
    assert "approved by you" in html and "[value]\n2" in html and "0.25 s" in html
    denied = ToolCall("t2", "python", {"code": "import os"}, source="agent", content="The user denied it.",
                      is_error=True, denied=True, decided_by="you")  # fmt: skip
    html = tool_row_html(denied)
    assert "denied by you" in html and "The user denied it." in html and "output ·" not in html
