"""Faults in a real kernel: one-line errors without tracebacks, and an interrupt that stops Run All."""

from __future__ import annotations

import pytest

from tests.kernels import drain, evaluate, execute, go_offline, running_kernel, text_of

SETUP = (
    "%load_ext claude_magic\n"
    "%config ClaudeMagics.simulate = True\n"
    "%config ClaudeMagics.display = 'text'\n"
    "import claude_magic\n"
    "from claude_magic.simulator import ScriptedError, ScriptedReply\n"
    "sim = claude_magic.session().connection.simulator"
)


@pytest.fixture
def kernel(monkeypatch):
    go_offline(monkeypatch)
    with running_kernel(SETUP) as (manager, client):
        yield manager, client


@pytest.mark.parametrize(
    ("script", "says"),
    [
        ("ScriptedError(status=529, repeat=3, message='Overloaded')", "API error 529: Overloaded"),
        ("ScriptedReply(text='z' * 200, drop_after_chars=50)", "The reply stopped early"),
    ],
    ids=["529", "drop"],
)
def test_faults_are_one_line_in_a_kernel(kernel, script, says):
    _, client = kernel
    execute(client, f"sim.queue({script})\n%config ClaudeMagics.max_retries = 0")
    content, outputs = execute(client, "%%claude\nhello")
    assert content["status"] == "error"
    errors = [msg["content"] for msg in outputs if msg["msg_type"] == "error"]
    assert len(errors) == 1 and len(errors[0]["traceback"]) == 1 and says in errors[0]["traceback"][0]
    assert "Traceback" not in text_of(outputs)
    assert evaluate(client, "len(claude_magic.session().usage)") == "1"


def test_an_interrupt_mid_stream_stops_run_all(kernel):
    manager, client = kernel
    execute(client, "sim.queue(ScriptedReply(text='y' * 1200, delay_s=0.1))")
    cells = ["%%claude\nfirst, slow", "%%claude\nsecond", "%%claude\nthird"]
    ids = [client.execute(cell, stop_on_error=True) for cell in cells]
    outputs = drain(client, ids[0], until="yyyy")  # the reply is streaming
    manager.interrupt_kernel()
    replies = {msg_id: client.get_shell_msg(timeout=20)["content"] for msg_id in ids}
    statuses = [replies[msg_id]["status"] for msg_id in ids]
    assert statuses == ["error", "aborted", "aborted"]
    assert replies[ids[0]]["ename"] == "CallInterrupted"
    outputs += drain(client, ids[0])
    shown = text_of(outputs)
    assert "yyyy" in shown and "interrupted" in shown and "Traceback" not in shown
    tracebacks = [msg["content"]["traceback"] for msg in outputs if msg["msg_type"] == "error"]
    assert len(tracebacks) == 1 and len(tracebacks[0]) == 1
    assert tracebacks[0][0].startswith("KeyboardInterrupt: the reply was interrupted")
    assert evaluate(client, "len(sim.requests)") == "1"  # the queued cells never sent
