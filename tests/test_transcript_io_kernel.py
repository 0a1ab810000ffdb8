"""Autosave in a real kernel that is killed with os._exit mid-session: every completed exchange survives."""

from __future__ import annotations

import json
import time

import pytest
from jupyter_client.manager import start_new_kernel

CELLS = (
    "%load_ext claude_magic",
    "%config ClaudeMagics.simulate = True",
    "%config ClaudeMagics.autosave = {path!r}",
    "%%claude\nfirst question",
    "%%claude\nsecond question",
    "from claude_magic.simulator import ScriptedError\n"
    "import claude_magic\n"
    "sim = claude_magic.session().connection.simulator\n"
    "sim.queue(ScriptedError(status=400, type='invalid_request_error', message='nope'))",
    "%%claude\nthis call fails",
    "%%claude --chat other\nthird question",
)


def run(client, code: str) -> dict:
    reply = client.execute_interactive(code, timeout=60, output_hook=lambda msg: None)
    return reply["content"]


@pytest.fixture
def kernel(monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    manager, client = start_new_kernel(kernel_name="python3")
    yield manager, client
    client.stop_channels()
    if manager.is_alive():
        manager.shutdown_kernel(now=True)


def test_autosave_survives_os_exit(kernel, tmp_path):
    manager, client = kernel
    path = tmp_path / "claude_transcript.jsonl"
    statuses = [run(client, cell.format(path=str(path)))["status"] for cell in CELLS]
    assert statuses == ["ok"] * 6 + ["error", "ok"]
    client.execute("import os; os._exit(1)")
    deadline = time.monotonic() + 30
    while manager.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not manager.is_alive()
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    records = [json.loads(line) for line in text.splitlines()]
    assert [(r["kind"], r["chat"], r["prompt"]) for r in records] == [
        ("exchange", "default", "first question"),
        ("exchange", "default", "second question"),
        ("failed", "default", "this call fails"),
        ("exchange", "other", "third question"),
    ]
    assert "Simulated reply" in records[1]["reply"]["text"]
