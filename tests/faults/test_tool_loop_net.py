"""The tool loop's error net: whatever a tool, its input or an approval does, the cell ends in one line.

A tool's failure of any kind (sys.exit(), GeneratorExit, an input that is no JSON object) is a failed
call the model hears about; a `--confirm` nobody can answer is a denial; a second interrupt does not wait
for a hung parallel tool; a round limit below 1 is refused; `session().last` is the cell's whole Reply.
Real IPython shells against the strict simulator, and real kernels (nbclient, jupyter_client) where the
behaviour depends on the kernel's frontend.
"""

from __future__ import annotations

import builtins
import os
import signal
import threading
import time
from typing import Any

import pytest
from IPython.core.error import StdinNotImplementedError

from claude_magic.simulator import ScriptedReply


def use(name: str, arguments: Any = None) -> ScriptedReply:
    block = {"type": "tool_use", "name": name, "input": {} if arguments is None else arguments}
    return ScriptedReply(content=(block,), stop_reason="tool_use")


def one_line(out: Any) -> None:
    assert "Traceback" not in out.stdout + out.stderr
    assert "Error" not in out.stderr.replace("is_error", "")


def sent_result(sim: Any) -> dict[str, Any]:
    """The tool_result the last request carried."""
    result: dict[str, Any] = sim.requests[-1].body["messages"][-1]["content"][0]
    return result


def sendable(run: Any, sim: Any) -> None:
    """The chat takes the next prompt: the strict simulator accepts the history."""
    before = len(sim.requests)
    result, out = run("%claude And now?")
    assert result.error_in_exec is None, out.stdout
    assert len(sim.requests) == before + 1


# -- 7: every failure of a tool is a failed call --------------------------------------------------------------------


@pytest.mark.parametrize(("arguments", "kind"), [([1, 2], "array"), ("sku", "string"), (7, "number")])
def test_a_tool_input_that_is_no_json_object_is_a_failed_call(run, shell, sim, session, arguments, kind):
    ran: list[Any] = []
    shell.user_ns["probe"] = lambda sku="x": ran.append(sku) or "ran"
    sim.queue(use("probe", arguments))
    result, out = run("%%claude --tools probe -o r\nUse probe.\n")
    assert result.error_in_exec is None
    one_line(out)
    assert ran == []
    answer = sent_result(sim)
    assert answer["is_error"] is True and f"not a JSON {kind}" in answer["content"]
    assert sim.requests[-1].body["messages"][-2]["content"][0]["input"] == {}  # the API takes only objects
    assert [row["error"] for row in session.usage.rows()] == [None, None]
    sendable(run, sim)


def _exits() -> str:
    import sys

    sys.exit(2)


def _parses() -> str:
    import argparse

    argparse.ArgumentParser(prog="tool").parse_args(["--nope"])
    return "never"


def _generator_exit() -> str:
    raise GeneratorExit


class _Odd(BaseException):
    pass


def _odd() -> str:
    raise _Odd("a BaseException of its own")


@pytest.mark.parametrize(
    ("tool", "says"),
    [(_exits, "sys.exit(2)"), (_parses, "sys.exit(2)"), (_generator_exit, "GeneratorExit"), (_odd, "_Odd")],
    ids=["sys.exit", "argparse", "GeneratorExit", "BaseException"],
)
def test_a_tool_that_exits_is_a_failed_call_and_the_loop_goes_on(run, shell, sim, session, tool, says):
    shell.user_ns["quits"] = tool
    sim.queue(use("quits"))
    result, out = run("%%claude --tools quits -o r\nUse quits.\n")
    assert result.error_in_exec is None, out.stdout
    assert "Traceback" not in out.stdout
    answer = sent_result(sim)
    assert answer["is_error"] is True and says in answer["content"]
    assert "ran no tool" not in answer["content"]
    assert shell.user_ns["r"].tool_calls[0].is_error
    assert len(session.usage) == 2
    sendable(run, sim)
    assert "ran no tool" not in str(sim.requests[-1].body["messages"])


def test_a_keyboard_interrupt_from_a_tool_still_interrupts(run, shell, sim, session):
    def stops() -> str:
        raise KeyboardInterrupt

    shell.user_ns["stops"] = stops
    sim.queue(use("stops"))
    result, out = run("%%claude --tools stops\nUse stops.\n")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert "Traceback" not in out.stdout
    sendable(run, sim)
    assert "interrupted" in str(sim.requests[-1].body["messages"][-1]["content"][0])


@pytest.mark.parametrize("fails", [StdinNotImplementedError("no stdin"), EOFError()], ids=["stdin", "eof"])
def test_confirm_where_input_cannot_be_answered_denies_in_one_line(run, shell, sim, session, monkeypatch, fails):
    ran: list[Any] = []
    shell.user_ns["probe"] = lambda: ran.append(1) or "ran"

    def cannot(prompt: str) -> str:
        raise fails

    monkeypatch.setattr(builtins, "input", cannot)
    sim.queue(use("probe"))
    result, out = run("%%claude --tools probe --confirm -o r\nUse probe.\n")
    assert result.error_in_exec is None
    one_line(out)
    assert "probe was denied: no frontend showed the Approve buttons" in out.stderr
    assert ran == []
    answer = sent_result(sim)
    assert answer["is_error"] is True and "did not run" in answer["content"]
    assert shell.user_ns["r"].tool_calls[0].denied
    sendable(run, sim)


# -- 9: a second interrupt does not wait for a hung parallel tool ---------------------------------------------------


def test_a_second_interrupt_stops_waiting_for_a_hung_parallel_tool(run, shell, sim, session):
    release, finished = threading.Event(), threading.Event()

    def hung() -> str:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.3)  # two signals at once would reach the handler as one
        os.kill(os.getpid(), signal.SIGINT)
        release.wait(30)
        finished.set()
        return "late"

    shell.user_ns.update(hung=hung, quick=lambda: "quick")
    both = ({"type": "tool_use", "name": "quick", "input": {}}, {"type": "tool_use", "name": "hung", "input": {}})
    sim.queue(ScriptedReply(content=both, stop_reason="tool_use"))
    try:
        result, out = run("%%claude --tools quick hung --parallel-tools\nUse both.\n")
        stopped_while_hung = not finished.is_set()
    finally:
        release.set()
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert stopped_while_hung
    assert "Traceback" not in out.stdout
    assert len(sim.requests) == 1
    sendable(run, sim)
    quick, stuck = sim.requests[-1].body["messages"][-1]["content"][:2]
    assert quick["content"] == "quick" and "is_error" not in quick
    assert stuck["is_error"] is True and "interrupted" in stuck["content"]


# -- 10: a round limit below 1 is refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("rounds", ["-1", "0"])
def test_a_round_limit_below_one_is_refused_at_parse(run, shell, sim, rounds):
    shell.user_ns["probe"] = lambda: "ran"
    result, out = run(f"%%claude --tools probe --max-tool-rounds {rounds}\nUse probe.\n")
    message = str(getattr(result.error_in_exec, "message", result.error_in_exec))
    assert "--max-tool-rounds must be 1 or more" in message and "\n" not in message
    assert sim.requests == []
    assert "Traceback" not in out.stdout


@pytest.mark.parametrize("rounds", [-1, 0])
def test_a_round_limit_below_one_is_refused_at_config(run, magics, rounds, caplog):
    _, out = run(f"%config ClaudeMagics.max_tool_rounds = {rounds}")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1 and "max_tool_rounds must be 1 or more" in lines[0] and "old value is kept" in lines[0]
    assert magics.max_tool_rounds == 10
    assert "Traceback" not in out.stdout


def test_the_configured_round_limit_stops_the_loop(run, shell, sim, magics):
    shell.user_ns["probe"] = lambda: "ran"
    magics.max_tool_rounds = 1
    for _ in range(3):
        sim.queue(use("probe"))
    result, _ = run("%%claude --tools probe -o r\nUse probe, again and again.\n")
    assert result.error_in_exec is None
    assert len(sim.requests) == 2 and shell.user_ns["r"].stop_reason == "tool_use"


# -- 11: session().last is the cell's Reply ---------------------------------------------------------------------------


def test_session_last_is_the_cells_joined_reply(run, shell, sim, session):
    shell.user_ns["probe"] = lambda: "ran"
    for _ in range(3):
        sim.queue(use("probe"))
    result, _ = run("%%claude --tools probe -o r\nUse probe three times.\n")
    assert result.error_in_exec is None
    reply = shell.user_ns["r"]
    assert session.last is reply
    rows = session.usage.rows()
    assert len(rows) == 4 and len(reply.tool_calls) == 3
    assert reply.cost_usd == pytest.approx(sum(row["cost_usd"] for row in rows))
    assert reply.usage.output_tokens == sum(row["output_tokens"] for row in rows)


# -- 8: --confirm without a frontend that can answer: a real kernel driven by nbclient (no widgets, no stdin) ----------

KERNEL_SETUP = (
    "%load_ext claude_magic\n"
    "%config ClaudeMagics.simulate = True\n"
    "import claude_magic\n"
    "from claude_magic.simulator import ScriptedReply\n"
    "sim = claude_magic.session().connection.simulator\n"
    "ran = []\n"
    "def probe() -> str:\n"
    "    ran.append(1)\n"
    "    return 'ran'\n"
    "sim.queue(ScriptedReply(content=({'type': 'tool_use', 'name': 'probe', 'input': {}},), stop_reason='tool_use'))"
)
CHECK = "print(len(ran), len(claude_magic.session().usage), claude_magic.session().last.tool_calls[0].content)"


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("display", ["auto", "text"], ids=["buttons", "input"])
def test_confirm_under_nbclient_denies_in_one_line_and_runs_nothing(offline, display):
    import nbformat
    from nbclient import NotebookClient

    cells = [
        KERNEL_SETUP + f"\n%config ClaudeMagics.display = {display!r}",
        "%%claude --tools probe --confirm\nUse probe.",
        CHECK,
        "%claude And now?",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(notebook, kernel_name="python3", timeout=60, allow_errors=False).execute()
    outputs = [output for cell in notebook.cells for output in cell.outputs]
    shown = str(outputs)
    assert "Traceback" not in shown and all(output.output_type != "error" for output in outputs)
    assert "no frontend showed the Approve buttons" in shown
    assert "denied" in str(notebook.cells[1].outputs)
    assert "claude-stream-view" not in shown and "application/vnd.jupyter.widget-view" not in str(
        notebook.cells[1].outputs[-1]
    )  # the panel settled into static output
    assert notebook.cells[2].outputs[0].text.startswith("0 2 Nobody approved this tool call")
