"""The agent in a real kernel (jupyter_client), the in-kernel simulator as the model: figures, limits, interrupts."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.kernels import evaluate, execute, running_kernel, wait_for_text, wait_reply

SETUP = """\
%load_ext claude_magic
%config ClaudeMagics.simulate = True
import claude_magic
from claude_magic.simulator import ScriptedReply
from claude_magic._planning import RequestOptions
from claude_magic._tool_loop import Loop, ToolSet, run_blocking
from claude_magic._planning import RequestOptions
from claude_magic.agent.gate import AgentGate
from claude_magic.agent.tool import PythonTool
s = claude_magic.session()
sim = s.connection.simulator

def play(*rounds, timeout_s=5):
    global gate
    for codes in rounds:
        uses = tuple({'type': 'tool_use', 'name': 'python', 'input': {'code': c}} for c in codes)
        sim.queue(ScriptedReply(content=uses, stop_reason='tool_use'))
    sim.queue(ScriptedReply(text='Done.'))
    gate = AgentGate(yes=True)
    toolset = ToolSet({'python': PythonTool(get_ipython(), gate, timeout_s)}, approver=gate)
    prepared = s.prepare('Work.', RequestOptions(tools=toolset.definitions()))
    return run_blocking(Loop(s, toolset, lambda e: None).run(prepared)).text

def last_result():
    return [b for b in sim.requests[-1].body['messages'][-1]['content'] if b['type'] == 'tool_result'][0]
"""


@pytest.fixture
def kernel():
    with running_kernel(SETUP) as (manager, client):
        yield manager, client


def images(outputs: list[dict[str, Any]]) -> int:
    return sum("image/png" in m["content"].get("data", {}) for m in outputs if m["msg_type"] == "display_data")


def test_a_figure_shown_or_left_open_goes_back_as_an_image_and_the_user_sees_it(kernel):
    _, client = kernel
    for code in ("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()", "plt.figure()\nplt.bar([1], [3])"):
        reply, outputs = execute(client, f"play([{code!r}])")
        assert reply["status"] == "ok" and images(outputs) == 1  # shown once: by plt.show() or at the cell's end
        kinds = evaluate(client, "[b['type'] for b in last_result()['content']]")
        assert kinds == "['text', 'text', 'image']"  # the call's text, the image's label, the image


def test_a_variable_stays_and_a_frame_goes_back_as_a_summary_in_a_kernel(kernel):
    _, client = kernel
    code = "import pandas as pd\nsales = pd.DataFrame({'units': range(200_000)})\nsales"
    reply, _ = execute(client, f"play([{code!r}])")
    assert reply["status"] == "ok"
    assert evaluate(client, "len(sales)") == "200000"
    sent = evaluate(client, "last_result()['content']")
    assert "200,000" in sent.replace("200000", "200,000") and "123456" not in sent


def test_the_time_limit_stops_a_sleep_in_about_its_seconds(kernel):
    _, client = kernel
    started = time.monotonic()
    reply, _ = execute(client, "play(['import time\\ntime.sleep(60)'], timeout_s=1)")
    assert reply["status"] == "ok" and time.monotonic() - started < 20
    assert "stopped after 1 s" in evaluate(client, "last_result()['content'][0]['text']")
    assert evaluate(client, "gate.records[0].outcome") == "'timeout'"


def test_an_interrupt_during_a_sleep_stops_the_cell_and_the_next_cell_works(kernel):
    manager, client = kernel
    code = "import time\nslept = 0\nprint('sleeping')\ntime.sleep(60)\nslept = 60"
    message_id = client.execute(f"play([{code!r}], timeout_s=None)")
    wait_for_text(client, "sleeping")
    time.sleep(0.5)
    started = time.monotonic()
    manager.interrupt_kernel()
    reply = wait_reply(client, message_id)
    assert time.monotonic() - started < 15
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "CallInterrupted"
    assert evaluate(client, "(slept, gate.records[0].outcome)") == "(0, 'interrupted')"
    assert evaluate(client, "1 + 1") == "2"
