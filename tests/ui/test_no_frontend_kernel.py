"""A real kernel with no frontend at all: the reply arrives through display outputs, live, at a bounded cost.

Nothing draws widgets here (as under nbclient, papermill or `nbconvert --execute`), so `auto` hears
no "rendered" within a second and the reply goes on in plain display outputs while the cell runs (on
ipykernel 7; on 6 it grows in the widget's messages). Either way the settled panel holds it whole.
At a model's pace the iopub bytes of the plain path stay within 1.5x of the widget path's.
"""

from __future__ import annotations

import json
import time
from importlib.metadata import version
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

from claude_magic.simulator import ScriptedReply, Simulator

PACE = 200  # tokens a second, about 800 characters a second
REPLY = " ".join(f"word{i:04d}" for i in range(600))  # 5,999 characters: some 7 s at this pace
SETUP = (
    "%load_ext claude_magic\nimport anthropic, claude_magic\n"
    "client = anthropic.Anthropic(api_key='sk-test', base_url={url!r}, max_retries=0)\n"
    "claude_magic.session().use_client(client)\n"
)
CELL = "%%claude --no-history\ngo"
MAX_RATIO = 1.5
DISPLAYS = ("display_data", "update_display_data")
# ipykernel 7 reads every shell message on its own thread, so a view's "rendered" (or its silence) is
# heard while the cell runs (ui/frontend.hear_early); ipykernel 6 (6.29 checked) handles it only after.
HEARS_COMMS_MID_CELL = int(version("ipykernel").split(".")[0]) >= 7


@pytest.fixture(scope="module")
def kernel():
    with Simulator(tokens_per_second=PACE) as sim:
        manager, client = start_new_kernel(kernel_name="python3")
        try:
            client.execute_interactive(SETUP.format(url=sim.url), timeout=60, output_hook=lambda msg: None)
            yield sim, client
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


def run(client: Any, code: str) -> tuple[list[dict[str, Any]], int, float]:
    """The cell's iopub messages (with their arrival time), their bytes, and when the cell ended."""
    start = time.perf_counter()
    msg_id = client.execute(code)
    messages, total = [], 0
    while True:
        msg = client.get_iopub_msg(timeout=120)
        total += sum(len(json.dumps(msg[k], default=str)) for k in ("header", "parent_header", "metadata", "content"))
        total += sum(len(b) for b in msg.get("buffers", []))
        msg["at"] = time.perf_counter() - start
        messages.append(msg)
        mine = msg["parent_header"].get("msg_id") == msg_id
        assert not (mine and msg["msg_type"] == "error"), msg["content"]
        if mine and msg["content"].get("execution_state") == "idle":
            return messages, total, msg["at"]


def reply_in(client: Any, sim: Simulator, display: str) -> tuple[list[dict[str, Any]], int, float]:
    client.execute_interactive(f"%config ClaudeMagics.display = {display!r}", timeout=30, output_hook=lambda m: None)
    sim.queue(ScriptedReply(text=REPLY, chunk_chars=16))
    return run(client, CELL)


def html_of(msg: dict[str, Any]) -> str:
    return str(msg["content"].get("data", {}).get("text/html", "")) if msg["msg_type"] in DISPLAYS else ""


def test_auto_without_a_frontend_streams_the_reply_while_the_cell_runs_and_settles_it_whole(kernel):
    sim, client = kernel
    messages, _, ended = reply_in(client, sim, "auto")
    if HEARS_COMMS_MID_CELL:  # the view's silence is heard in time: the reply goes on in display outputs
        live = [m for m in messages if "word0000" in html_of(m) and "word0599" not in html_of(m)]
        assert len(live) >= 3, "the reply did not grow in display outputs"
    else:  # nothing can be heard until the cell ends: the reply grows in the widget's messages
        live = [m for m in messages if m["msg_type"] == "comm_msg" and "word" in str(m["content"])]
        assert len(live) >= 3, "the reply did not grow in the widget's messages"
    assert live[0]["at"] < ended - 2, "the reply came only at the end"
    final = [m for m in messages if "word0599" in html_of(m) and "claude-footer" in html_of(m)]
    assert final, "no display output holds the whole settled reply"
    assert all(f"word{i:04d}" in html_of(final[-1]) for i in range(0, 600, 37))


def test_the_plain_path_costs_at_most_one_and_a_half_times_the_widget_path(kernel):
    sim, client = kernel
    reply_in(client, sim, "widget")  # warm: imports and the first request
    _, widget_bytes, _ = reply_in(client, sim, "widget")
    _, html_bytes, _ = reply_in(client, sim, "html")
    ratio = html_bytes / widget_bytes
    assert ratio <= MAX_RATIO, f"plain outputs sent {html_bytes:,} bytes, {ratio:.2f}x the widget's {widget_bytes:,}"
