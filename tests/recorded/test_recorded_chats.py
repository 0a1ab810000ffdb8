"""Every recorded reply, then one more turn: the second request must pass the strict simulator.

The first turn is the real recording served over loopback; the second goes to the simulator,
which answers 400 to any history the real API would reject.
"""

from __future__ import annotations

import json

import anthropic
import pytest
from IPython.utils.capture import capture_output

from claude_magic import Session

from .fixtures import RECORDED, SSE_FIXTURES, expected_reply, serve_recorded, sse_events

KEY = "sk-test-recorded"


def tools_for(name: str) -> list[dict]:
    """Definitions for the client tools the recording asked for, so the follow-up may carry their results."""
    frames = sse_events((RECORDED / name).read_bytes())
    blocks = expected_reply(frames).blocks
    names = sorted({block["name"] for block in blocks if block["type"] == "tool_use"})
    return [{"name": tool, "description": "recorded tool", "input_schema": {"type": "object"}} for tool in names]


def client(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key=KEY, max_retries=0)


@pytest.mark.parametrize("name", SSE_FIXTURES)
def test_session_asks_twice_and_the_second_request_is_valid(name, sim):
    extra = {"tools": tools_for(name)} if tools_for(name) else None
    with serve_recorded(RECORDED / name) as url:
        session = Session(client=client(url))
        first = session.ask("First question.", extra_body=extra)
    session.use_client(client(sim.url))
    second = session.ask("Second question.", extra_body=extra)
    assert second.complete and second.stop_reason == "end_turn"
    sent = sim.requests[-1].body["messages"]
    assert sent[-1]["role"] == "user" and sent[-1]["content"][-1]["text"] == "Second question."
    assert len(sent) == (1 if first.refused else 3)  # a refused turn is not re-sent
    assert all(block.get("text", "x").strip() for message in sent for block in message["content"])


@pytest.mark.parametrize("name", SSE_FIXTURES)
def test_the_magic_runs_the_recording_then_another_cell(name, sim, shell, magics):
    extra = f"--param 'tools={json.dumps(tools_for(name))}' " if tools_for(name) else ""
    with serve_recorded(RECORDED / name) as url:
        magics.session.use_client(client(url))
        with capture_output() as first:
            shell.run_cell(f"%%claude {extra}\nFirst question.", store_history=False)
    magics.session.use_client(client(sim.url))
    with capture_output() as second:
        result = shell.run_cell(f"%%claude {extra}\nSecond question.", store_history=False)
    assert result.success, second.stderr
    assert "Traceback" not in first.stdout + first.stderr + second.stdout + second.stderr
    assert magics.session.usage.rows()[-1]["error"] is None
    assert sim.requests[-1].body["messages"][-1]["content"][-1]["text"] == "Second question."
