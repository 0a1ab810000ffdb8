"""`%%claude --agent` in a real shell against the strict simulator, its tool use scripted: the cell path end to end.

The shell blocks (no kernel), so approval asks on input(), as it does where no buttons are drawn.
"""

from __future__ import annotations

import builtins
from typing import Any

import pytest

from claude_magic.core.provenance import METADATA_KEY
from claude_magic.core.tools import DENIED
from claude_magic.simulator import ScriptedReply

NAMES = ("agent_total", "agent_denied", "agent_kept", "agent_rest", "agent_steps", "agent_replayed")


def python(code: str) -> dict[str, Any]:
    return {"type": "tool_use", "name": "python", "input": {"code": code}}


def asks(*uses: dict[str, Any]) -> ScriptedReply:
    return ScriptedReply(content=({"type": "text", "text": "Let me run that."}, *uses), stop_reason="tool_use")


def tool_results(request: Any) -> list[dict[str, Any]]:
    return [b for b in request.body["messages"][-1]["content"] if b["type"] == "tool_result"]


@pytest.fixture(autouse=True)
def clean(shell):
    for name in NAMES:
        shell.user_ns.pop(name, None)
    shell.rl_next_input = None
    yield
    for name in NAMES:
        shell.user_ns.pop(name, None)
    shell.rl_next_input = None


@pytest.fixture
def answers(monkeypatch):
    """The user's answers to input(), in order; each question asked is kept."""
    given: list[str] = []
    asked: list[str] = []

    def answer(question: str = "") -> str:
        asked.append(question)
        return given.pop(0)

    monkeypatch.setattr(builtins, "input", answer)
    return given, asked


def test_a_variable_stays_its_printed_value_goes_back_and_the_code_is_the_next_cell(run, shell, sim):
    code = "agent_total = sum([120, 80])\nprint('total', agent_total)"
    sim.queue(asks(python(code)))
    sim.queue(ScriptedReply(text="The total is 200."))
    result, out = run("%%claude --agent --yes -o r\nAdd up the sales.\n")
    assert result.error_in_exec is None
    assert shell.user_ns["agent_total"] == 200 and "total 200" in out.stdout
    assert tool_results(sim.requests[1])[0]["content"] == "[printed]\ntotal 200"
    assert "python" in [tool["name"] for tool in sim.requests[0].body["tools"]]
    assert shell.rl_next_input.endswith("\n\n" + code + "\n")
    assert shell.user_ns["r"].text.endswith("The total is 200.")


def test_a_call_that_raises_goes_back_as_an_error_and_the_loop_goes_on(run, shell, sim):
    sim.queue(asks(python("{}['missing']")))
    sim.queue(asks(python("agent_steps = 2")))
    sim.queue(ScriptedReply(text="Recovered."))
    result, out = run("%%claude --agent --yes -o r\nTry it.\n")
    assert result.error_in_exec is None and shell.user_ns["agent_steps"] == 2
    error = tool_results(sim.requests[1])[0]
    assert error["is_error"] is True and "KeyError: 'missing'" in error["content"][0]["text"]
    assert shell.user_ns["r"].text.endswith("Recovered.") and "Traceback (most recent" not in out.stdout + out.stderr
    proposed = shell.rl_next_input
    assert "# This call stopped on an error" in proposed and proposed.endswith("\n\nagent_steps = 2\n")


def test_a_denied_call_runs_nothing_and_the_model_is_told(run, shell, sim, answers):
    given, asked = answers
    given += ["n", "y"]
    sim.queue(asks(python("agent_denied = 1"), python("agent_kept = 2")))
    sim.queue(ScriptedReply(text="OK."))
    result, out = run("%%claude --agent\nDo both.\n")
    assert result.error_in_exec is None and len(asked) == 2
    assert "agent_denied" not in shell.user_ns and shell.user_ns["agent_kept"] == 2
    denied, ran = tool_results(sim.requests[1])
    assert denied["content"] == DENIED and denied["is_error"] is True and "is_error" not in ran
    assert "agent_denied = 1" in out.stdout  # the question showed the code before it could run
    assert shell.rl_next_input.endswith("\n\nagent_kept = 2\n") and "agent_denied" not in shell.rl_next_input


def test_approve_the_rest_asks_once_for_the_whole_cell(run, shell, sim, answers):
    given, asked = answers
    given += ["a"]
    sim.queue(asks(python("agent_rest = 1")))
    sim.queue(asks(python("agent_rest += 1"), python("agent_rest += 1")))
    sim.queue(ScriptedReply(text="Three steps."))
    result, _ = run("%%claude --agent\nCount.\n")
    assert result.error_in_exec is None and len(asked) == 1 and shell.user_ns["agent_rest"] == 3


def test_the_session_setting_approves_without_asking_and_the_next_cell_asks_again_after_ask(run, shell, sim, answers):
    given, asked = answers
    run("%config ClaudeMagics.agent_approval = 'session'")
    sim.queue(asks(python("agent_steps = 1")))
    sim.queue(ScriptedReply(text="Done."))
    run("%%claude --agent\nOne.\n")
    assert shell.user_ns["agent_steps"] == 1 and asked == []
    run("%config ClaudeMagics.agent_approval = 'ask'")
    given += ["n"]
    sim.queue(asks(python("agent_steps = 2")))
    sim.queue(ScriptedReply(text="Denied."))
    run("%%claude --agent\nTwo.\n")
    assert shell.user_ns["agent_steps"] == 1 and len(asked) == 1


def test_where_nobody_can_answer_a_call_is_denied_in_one_line(run, shell, sim, answers, monkeypatch):
    from IPython.core.error import StdinNotImplementedError

    def no_stdin(question: str = "") -> str:
        raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")

    monkeypatch.setattr(builtins, "input", no_stdin)
    sim.queue(asks(python("agent_denied = 1")))
    sim.queue(ScriptedReply(text="I could not run it."))
    result, out = run("%%claude --agent\nDo it.\n")
    assert result.error_in_exec is None and "agent_denied" not in shell.user_ns
    said = [line for line in out.stderr.splitlines() if "python was denied" in line]
    assert len(said) == 1 and "add --yes" in said[0] and len(said[0]) <= 300
    assert tool_results(sim.requests[1])[0]["content"].startswith("Nobody approved this tool call")
    assert shell.rl_next_input is None  # nothing ran: no cell is proposed


def test_provenance_lists_every_call_with_its_hash_verdict_by_whom_round_and_cost(run, magics, sim, answers):
    from claude_magic.agent.records import code_hash

    given, _ = answers
    given += ["y", "n"]
    metadata: list[dict[str, Any]] = []
    magics.display = "text"
    sim.queue(asks(python("agent_steps = 1")))
    sim.queue(asks(python("agent_steps = 2")))
    sim.queue(ScriptedReply(text="Done."))
    from claude_magic.ui.plain import MarkdownView

    carry = MarkdownView.carry
    try:
        MarkdownView.carry = lambda view, data: (metadata.append(data), carry(view, data))[1]  # type: ignore[method-assign]
        run("%%claude --agent\nSteps.\n")
    finally:
        MarkdownView.carry = carry  # type: ignore[method-assign]
    kept = metadata[-1][METADATA_KEY]
    rows = kept["agent"]
    assert [(row["round"], row["verdict"], row["by"], row["outcome"]) for row in rows] == [
        (1, "approved", "user", "ok"),
        (2, "denied", "user", "not run"),
    ]
    assert rows[0]["sha256"] == code_hash("agent_steps = 1") and "agent_steps" not in str(kept)
    assert rows[0]["round_cost_usd"] == pytest.approx(kept["calls"][0]["cost_usd"])


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("--yes", "--yes approves the calls of --agent"),
        ("--agent --parallel-tools", "leave out --parallel-tools"),
        ("--agent --tools python", "--agent brings its own tool named 'python'"),
        ("--agent -f code", "leave out -f code"),
    ],
)
def test_option_mistakes_are_one_line_and_nothing_is_sent(run, shell, sim, line, says):
    shell.user_ns["python"] = lambda: None  # a notebook function that would clash with the built-in tool
    try:
        result, _ = run(f"%%claude {line}\nGo.\n")
    finally:
        shell.user_ns.pop("python")
    assert says in str(result.error_in_exec) and "\n" not in str(result.error_in_exec)
    assert sim.requests == []


def test_max_tool_rounds_stops_the_loop_and_the_chat_stays_valid(run, shell, sim):
    sim.queue(asks(python("agent_steps = 1")))
    sim.queue(asks(python("agent_steps = 2")))
    result, out = run("%%claude --agent --yes --max-tool-rounds 1\nGo on forever.\n")
    assert result.error_in_exec is None and shell.user_ns["agent_steps"] == 1
    assert len(sim.requests) == 2
    said = [line for line in out.stdout.splitlines() if "The tool loop stopped" in line]
    assert len(said) == 1 and "raise --max-tool-rounds" in said[0]
    sim.queue(ScriptedReply(text="Fine."))
    after, _ = run("%claude And now?")
    assert after.error_in_exec is None  # the round's tool_use waited on the chat and was answered


@pytest.mark.parametrize("cap", ["--max-cost 0.01", "budget_usd"])
def test_a_cost_cap_stops_the_loop_in_one_line_keeps_what_ran_and_the_chat_stays_valid(run, shell, sim, cap):
    sim.queue(asks(python("agent_steps = 1\nprint('x' * 60_000)")))  # the next request grows past the cap
    line = "--agent --yes --max-tokens 64"
    if cap == "budget_usd":
        run("%config ClaudeMagics.budget_usd = 0.01")
    try:
        result, _ = run(f"%%claude {line} {cap if cap.startswith('--') else ''}\nGo.\n")
    finally:
        run("%config ClaudeMagics.budget_usd = None")
    error = str(result.error_in_exec)
    assert ("--max-cost" in error or "budget_usd" in error) and "\n" not in error and len(error) <= 300
    assert shell.user_ns["agent_steps"] == 1 and shell.rl_next_input.startswith("# The code %%claude --agent ran")
    sim.queue(ScriptedReply(text="Fine."))
    after, _ = run("%claude --max-tokens 64 Summarise briefly.")
    assert after.error_in_exec is None  # the call's result waited on the chat and opened this turn
    assert tool_results(sim.requests[-1])[0]["content"].startswith("[printed]")


def test_a_replayed_agent_cell_asks_again(run, shell, sim, answers, magics, make_client, tmp_path):
    from claude_magic._edge.replay import client_options

    given, asked = answers
    recording = str(tmp_path / "agent.jsonl")
    magics.session.use_client(make_client(**client_options(recording, "record")))
    sim.queue(asks(python("agent_replayed = globals().get('agent_replayed', 0) + 1")))
    sim.queue(ScriptedReply(text="Done."))
    given += ["y"]
    run("%%claude --agent --new\nCount.\n")
    sent = len(sim.requests)
    import anthropic

    magics.session.use_client(anthropic.Anthropic(**client_options(recording, "replay")))
    given += ["n"]
    result, _ = run("%%claude --agent --new\nCount.\n")
    assert len(asked) == 2 and sent == 2  # the replayed tool call asked again, as the original did
    assert shell.user_ns["agent_replayed"] == 1  # denied this time: the recorded code did not run by itself
    assert len(sim.requests) == sent  # nothing new reached the API
    assert "\n" not in str(result.error_in_exec)  # the denial's next request is not recorded: one line, if any


@pytest.mark.parametrize(
    ("line", "awaited"),
    [("--agent", True), ("--agent --yes -o r", True), ("--tools agent", False), ("-s 'An agent.'", False)],
)
def test_an_agent_cell_is_awaited_so_its_buttons_can_get_a_click(shell, line, awaited):
    from claude_magic.ipython.transform import await_confirming_cells

    cell = [f"get_ipython().run_cell_magic('claude', {line!r}, 'hi\\n')\n"]
    assert await_confirming_cells(cell)[0].startswith("await ") is awaited


def test_with_yes_nobody_is_said_to_be_waiting(run, sim):
    sim.queue(asks(python("agent_steps = 1")))
    sim.queue(ScriptedReply(text="Done."))
    _, out = run("%%claude --agent --yes\nGo.\n")
    assert "waiting for your approval" not in out.stderr


def test_without_yes_the_wait_is_said(run, sim, answers):
    given, _ = answers
    given += ["y"]
    sim.queue(asks(python("agent_steps = 1")))
    sim.queue(ScriptedReply(text="Done."))
    _, out = run("%%claude --agent\nGo.\n")
    assert "waiting for your approval of python" in out.stderr
