"""One network policy: the session's timeout and retries bound counting, batch calls and model listing too.

Each test meets the real SDK with raw faults (tests/faults/wire.py) in front of the simulator. A bound
on the elapsed time is a promise check ("it gave up within about the timeout"), with a wide margin.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anthropic
import pytest

from claude_magic import Session
from claude_magic.core.errors import LINE_CHARS
from claude_magic.core.models import REGISTRY
from claude_magic.ipython.magics import ClaudeMagics
from tests.conftest import TEST_KEY
from tests.faults import wire

STALL_S = 20.0  # far longer than any timeout below: a test that waits it out has failed
MARGIN_S = 6.0  # generous: the promise is "about the timeout", not a benchmark


def count_body(value: Any) -> wire.Fault:
    return wire.raw(200, "application/json", json.dumps({"input_tokens": value}).encode())


OVERLOADED = wire.raw(529, "application/json", b'{"type":"error","error":{"type":"overloaded_error","message":"busy"}}')


@contextmanager
def wired_shell(shell: Any, sim: Any, *faults: wire.Fault, **policy: Any) -> Iterator[ClaudeMagics]:
    """ClaudeMagics on a session whose requests meet `faults` first, then the healthy simulator."""
    with wire.serve(*faults, wire.forward(), upstream=sim.url) as served:
        session = Session(client=anthropic.Anthropic(base_url=served.url, api_key=TEST_KEY, max_retries=0))
        magics = ClaudeMagics(shell=shell, session=session)
        shell.register_magics(magics)
        for name, value in policy.items():  # as a user sets them; the traits own the session's policy
            shell.run_line_magic("config", f"ClaudeMagics.{name} = {value!r}")
        try:
            yield magics
        finally:
            shell.config.pop("ClaudeMagics", None)
            while magics in shell.configurables:
                shell.configurables.remove(magics)


def shown(out: Any) -> str:
    return out.stdout + out.stderr


def estimate_line(out: Any) -> str:
    [line] = [line for line in shown(out).splitlines() if "tokens in)" in line]
    return line


# -- counting ----------------------------------------------------------------------------------


def test_a_stalled_count_falls_back_to_the_estimate_within_the_timeout(shell, run, sim):
    with wired_shell(shell, sim, wire.stall(STALL_S), timeout=1.0) as magics:
        started = time.monotonic()
        result, out = run("%%claude --max-cost 5\nhello")
        elapsed = time.monotonic() - started
    assert result.success, result.error_in_exec
    assert elapsed < 1.0 + MARGIN_S
    assert "(~" in estimate_line(out)  # the local estimate, marked as one
    assert [row["error"] for row in magics.session.usage.rows()] == [None]


@pytest.mark.parametrize(
    "value", [-5, "12", True, 1.5, 10**12, None, [3], {"n": 3}], ids=lambda v: type(v).__name__ + repr(v)[:8]
)
def test_a_malformed_count_is_a_failed_count(shell, run, sim, value):
    with wired_shell(shell, sim, count_body(value)) as magics:
        result, out = run("%%claude --max-cost 5\nhello")
    assert result.success, result.error_in_exec
    assert "(~" in estimate_line(out) and "Traceback" not in shown(out)
    assert magics.session.transcript.chat().exchanges[-1].reply.complete


@pytest.mark.parametrize("body", [b"", b"not json", b'{"input_tokens": 1e999}', b"[" * 5000], ids=str)
def test_an_unreadable_count_body_is_a_failed_count(shell, run, sim, body):
    with wired_shell(shell, sim, wire.raw(200, "application/json", body)):
        result, out = run("%%claude --max-cost 5\nhello")
    assert result.success, result.error_in_exec
    assert "(~" in estimate_line(out)


def test_counting_is_retried_as_the_session_says(shell, run, sim):
    with wired_shell(shell, sim, OVERLOADED, count_body(4242), max_retries=1):
        result, out = run("%%claude --max-cost 5\nhello")
    assert result.success, result.error_in_exec
    assert "(4,242 tokens in)" in estimate_line(out)


# -- model listing -------------------------------------------------------------------------------


def models_page(*ids: str) -> wire.Fault:
    data = [{"type": "model", "id": i, "display_name": i, "created_at": "2026-01-01T00:00:00Z"} for i in ids]
    body = {"data": data, "has_more": False, "first_id": ids[0], "last_id": ids[-1]}
    return wire.raw(200, "application/json", json.dumps(body).encode())


def test_model_listing_is_retried_as_the_session_says(sim):
    with wire.serve(OVERLOADED, models_page("claude-listed-model")) as served:
        session = Session(client=anthropic.Anthropic(base_url=served.url, api_key=TEST_KEY, max_retries=0))
        session.connection.configure_network(max_retries=1)
        assert [model.id for model in session.connection.models()] == ["claude-listed-model"]


def test_a_stalled_model_listing_gives_the_registry_within_the_timeout(sim):
    with wire.serve(wire.stall(STALL_S)) as served:
        session = Session(client=anthropic.Anthropic(base_url=served.url, api_key=TEST_KEY, max_retries=0))
        session.connection.configure_network(timeout=0.5)
        started = time.monotonic()
        models = session.connection.models()
        elapsed = time.monotonic() - started
    assert models == list(REGISTRY)
    assert elapsed < 3.5  # the session's 0.5 s, not a fixed 5 s of its own


# -- batch calls ----------------------------------------------------------------------------------


def saved_job(batch_id: str = "msgbatch_gone") -> None:
    from claude_magic.batches.store import Job, JobStore

    JobStore().save(Job(batch_id, "df", "r", ("0",), ("0",), (batch_id,), "claude-sonnet-4-5", created_at=1.0))


@pytest.mark.parametrize("action", ["status", "wait", "cancel", "list"])
def test_a_stalled_batch_call_is_one_line_within_the_timeout(shell, run, sim, tmp_path, monkeypatch, action):
    monkeypatch.chdir(tmp_path)
    saved_job()
    with wired_shell(shell, sim, wire.stall(STALL_S), timeout=1.0) as magics:
        started = time.monotonic()
        result, out = run(f"%claude batch {action}")
        elapsed = time.monotonic() - started
    assert not result.success and elapsed < 1.0 + MARGIN_S
    [line] = shown(out).strip().splitlines()
    assert "within 1 s" in line and len(line) <= LINE_CHARS and "Traceback" not in line
    assert not magics.session.usage.rows()


def test_an_interrupt_while_counting_is_one_line_and_the_chat_is_unchanged(shell, run, sim):
    with wired_shell(shell, sim, wire.forward(), wire.stall(STALL_S)) as magics:
        run("%%claude\nan earlier question")  # small and uncapped: not counted
        timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))  # the count is stalled by then
        timer.start()
        started = time.monotonic()
        result, out = run("%%claude --max-cost 5\nhello")
        elapsed = time.monotonic() - started
        timer.join()
    assert isinstance(result.error_in_exec, KeyboardInterrupt) and elapsed < STALL_S / 2
    lines = [line for line in shown(out).splitlines() if "KeyboardInterrupt" in line]
    assert len(lines) == 1 and "Traceback" not in shown(out)
    assert lines[0].startswith("KeyboardInterrupt: interrupted while counting") and "nothing was sent" in lines[0]
    assert [e.prompt for e in magics.session.transcript.chat().exchanges] == ["an earlier question"]
    assert len(magics.session.usage.rows()) == 1  # nothing was sent for the interrupted cell
