"""Faults in a real kernel: one-line errors without tracebacks, and an interrupt that stops Run All."""

from __future__ import annotations

import time
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

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
    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    manager, client = start_new_kernel(kernel_name="python3")
    client.execute_interactive(SETUP, timeout=30, output_hook=lambda msg: None)
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def execute(client: Any, code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    outputs: list[dict[str, Any]] = []
    reply = client.execute_interactive(code, timeout=20, output_hook=outputs.append)
    return reply["content"], outputs


def text_of(outputs: list[dict[str, Any]]) -> str:
    parts = []
    for msg in outputs:
        content = msg["content"]
        parts += [content.get("text", ""), *content.get("traceback", [])]
        parts.append(str(content.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def evaluate(client: Any, expression: str) -> str:
    reply = client.execute_interactive("", user_expressions={"x": expression}, timeout=20)
    return str(reply["content"]["user_expressions"]["x"]["data"]["text/plain"])


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


def drain(client: Any, msg_id: str, until: str | None = None) -> list[dict[str, Any]]:
    """The iopub messages of the execution `msg_id`: all of them, or up to the first showing `until`."""
    outputs: list[dict[str, Any]] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=1)
        except Exception:  # queue.Empty: nothing more is coming
            if until is None:
                break
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            outputs.append(msg)
            if until is not None and until in text_of([msg]):
                break
    return outputs
