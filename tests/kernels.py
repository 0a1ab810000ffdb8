"""Talking to a real kernel (jupyter_client) in tests: start one, run code in it, read a value back, wait for a reply.

One copy for every kernel test. `execute` and `evaluate` send a new request the way a person runs a
new cell. Right after a cell fails, ipykernel 6 aborts execute requests that reach it before it has
finished stopping Run All (`Kernel._abort_queues`; seen on 6.29, not on 7.x): such a request never ran,
so it is sent again, as the person would run the cell again. A test of the abort itself sends with
`client.execute` and reads the replies directly.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

Message = dict[str, Any]
ABORT_RETRIES = 20  # ipykernel 6.29 stops aborting within one turn of its event loop
OFFLINE_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL")


def go_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels started after this use the built-in simulator, with no credential from the machine."""
    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    for name in OFFLINE_ENV:
        monkeypatch.delenv(name, raising=False)


@contextmanager
def running_kernel(setup: str = "", *, cwd: str | None = None, timeout: float = 60) -> Iterator[tuple[Any, Any]]:
    """A python3 kernel (manager, client) that has run `setup`, shut down on leaving."""
    manager, client = start_new_kernel(kernel_name="python3", **({"cwd": cwd} if cwd else {}))
    try:
        if setup:
            reply, outputs = execute(client, setup, timeout=timeout)
            assert reply["status"] == "ok", (reply, text_of(outputs))
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def execute(client: Any, code: str, timeout: float = 60, **request: Any) -> tuple[dict[str, Any], list[Message]]:
    """Run `code` as a new cell: the execute_reply's content and the cell's iopub messages."""
    for _ in range(ABORT_RETRIES):
        outputs: list[Message] = []
        reply = client.execute_interactive(code, timeout=timeout, output_hook=outputs.append, **request)
        if reply["content"]["status"] != "aborted":
            return reply["content"], outputs
        time.sleep(0.05)
    raise AssertionError(f"the kernel aborted {ABORT_RETRIES} requests in a row")


def evaluate(client: Any, expression: str, timeout: float = 30) -> str:
    """The repr (text/plain) of `expression` evaluated in the kernel's namespace, as a user expression."""
    reply, _ = execute(client, "", timeout=timeout, user_expressions={"x": expression})
    assert reply["status"] == "ok", reply
    value = reply["user_expressions"]["x"]
    assert value["status"] == "ok", value
    return str(value["data"]["text/plain"])


def text_of(outputs: list[Message]) -> str:
    """Everything the messages show as text: streams, tracebacks and the plain text of displays."""
    parts = []
    for msg in outputs:
        content = msg["content"]
        parts += [content.get("text", ""), *content.get("traceback", [])]
        parts.append(str(content.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def wait_reply(client: Any, message_id: str, timeout: float = 60) -> Message:
    """The shell reply to the request `message_id`, skipping replies to others."""
    while True:
        reply: Message = client.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == message_id:
            return reply


def wait_for_text(client: Any, text: str, timeout: float = 60) -> None:
    """Until the kernel has printed `text` (a call is running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = client.get_iopub_msg(timeout=timeout)
        if message["msg_type"] == "stream" and text in message["content"]["text"]:
            return
    raise AssertionError(f"the kernel never printed {text!r}")


def drain(client: Any, msg_id: str, until: str | None = None, timeout: float = 20) -> list[Message]:
    """The iopub messages of the execution `msg_id` up to its idle status, or up to the first showing `until`."""
    outputs: list[Message] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=1)
        except Exception:  # queue.Empty: nothing yet
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append(msg)
        if until is not None and until in text_of([msg]):
            break
    return outputs
