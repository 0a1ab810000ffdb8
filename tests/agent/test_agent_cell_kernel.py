"""`%%claude --agent` cells in real kernels (jupyter_client, nbclient), the in-kernel simulator's tool use scripted.

What depends on the kernel: the awaited cell (ipython/transform.py), the panel's rows live and settled, the
proposed cell as the execute_reply's payload, images and frames going back, interrupts, and a frontend that
can answer nothing.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest

from tests.kernels import evaluate, execute, running_kernel, wait_for_text, wait_reply

SETUP = """\
%load_ext claude_magic
%config ClaudeMagics.simulate = True
import claude_magic
from claude_magic.simulator import ScriptedReply
sim = claude_magic.session().connection.simulator

def script(*codes):
    uses = tuple({'type': 'tool_use', 'name': 'python', 'input': {'code': c}} for c in codes)
    sim.queue(ScriptedReply(content=uses, stop_reason='tool_use'))
    sim.queue(ScriptedReply(text='Done.'))

def last_result():
    return [b for b in sim.requests[-1].body['messages'][-1]['content'] if b['type'] == 'tool_result'][0]
"""


@pytest.fixture(scope="module")
def kernel():
    with running_kernel(SETUP) as (manager, client):
        yield manager, client


def agent_cell(client: Any, *codes: str, line: str = "--agent --yes") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    execute(client, f"script(*{list(codes)!r})")
    return execute(client, f"%%claude {line}\nDo the work.")


def settled_html(outputs: list[dict[str, Any]]) -> str:
    """The panel as it settled: the last display update's HTML (plain outputs the live reply used end emptied)."""
    updates = [m for m in outputs if m["msg_type"] == "update_display_data" and m["content"]["data"].get("text/html")]
    return str(updates[-1]["content"]["data"]["text/html"])


def test_the_cell_awaits_the_rows_settle_with_code_output_duration_and_who(kernel):
    _, client = kernel
    reply, outputs = agent_cell(client, "agent_x = 6 * 7\nprint('<b>bold</b>', agent_x)")
    assert reply["status"] == "ok" and evaluate(client, "agent_x") == "42"
    html = settled_html(outputs)
    assert "claude-agent" in html and "approved by --yes" in html
    assert "agent_x" in html and "&lt;b&gt;bold&lt;/b&gt; 42" in html and "<b>bold</b>" not in html
    assert " s</span>" in html or " s<" in html  # the call's duration
    # The row reached the live panel while the cell ran: through the widget's comm, or (no frontend drew the
    # widget here) through the plain display outputs the reply continues in, before the settled panel.
    live = [m for m in outputs[:-1] if m["msg_type"] in ("comm_msg", "display_data", "update_display_data")]
    assert any("claude-agent" in str(m["content"]) for m in live)


def test_the_proposed_cell_is_the_execute_replys_payload_with_the_approved_code_in_order(kernel):
    _, client = kernel
    steps = ["import math", "agent_area = math.pi * 2 ** 2", "round(agent_area, 2)"]
    reply, _ = agent_cell(client, *steps)
    payloads = [p for p in reply["payload"] if p["source"] == "set_next_input"]
    assert len(payloads) == 1 and payloads[0]["replace"] is False
    assert payloads[0]["text"].split("\n\n")[1:] == [*steps[:2], steps[2] + "\n"]


def test_a_figure_goes_back_as_an_image(kernel):
    _, client = kernel
    reply, _ = agent_cell(client, "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                          "plt.figure()\nplt.plot([1, 3, 2])")  # fmt: skip
    assert reply["status"] == "ok"
    assert "image" in evaluate(client, "[b['type'] for b in last_result()['content']]")


def test_a_large_frame_as_the_last_expression_goes_back_as_a_summary(kernel):
    _, client = kernel
    code = "import pandas as pd\nagent_sales = pd.DataFrame({'units': range(300_000)})\nagent_sales"
    reply, _ = agent_cell(client, code)
    assert reply["status"] == "ok" and evaluate(client, "len(agent_sales)") == "300000"
    sent = evaluate(client, "str(last_result()['content'])")
    assert "300" in sent and "123456" not in sent and len(sent) < 40_000


def test_an_interrupt_during_a_sleep_is_one_line_stops_run_all_and_the_next_cell_works(kernel):
    manager, client = kernel
    execute(client, "script(\"agent_slept = 0\\nprint('sleeping')\\nimport time\\ntime.sleep(60)\\nagent_slept = 60\")")
    message_id = client.execute("%%claude --agent --yes\nSleep.")
    wait_for_text(client, "sleeping")
    time.sleep(0.5)
    started = time.monotonic()
    manager.interrupt_kernel()
    reply = wait_reply(client, message_id)["content"]
    assert time.monotonic() - started < 15
    assert reply["status"] == "error"  # Run All stops here
    assert "\n" not in reply["evalue"] and len(reply["evalue"]) <= 300
    assert evaluate(client, "agent_slept") == "0"
    sim_left = evaluate(client, "len(sim.requests)")
    reply, _ = execute(client, "%claude --max-tokens 64 Still there?")
    assert reply["status"] == "ok" and int(evaluate(client, "len(sim.requests)")) > int(sim_left)


def test_a_headless_kernel_without_yes_denies_each_call_in_one_line_and_runs_nothing(monkeypatch, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    cells = [
        SETUP + "script('agent_headless = 1')",
        "%%claude --agent\nDo the work.",
        "print('agent_headless' in globals(), last_result()['content'])",
        "script('agent_yes = 1')",
        "%%claude --agent --yes\nDo the work.",
        "print(agent_yes)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(notebook, kernel_name="python3", timeout=90, allow_errors=False).execute()
    shown = str([output for cell in notebook.cells for output in cell.outputs])
    assert "Traceback" not in shown
    ran, told = notebook.cells[2].outputs[0].text.rstrip("\n").split(" ", 1)
    assert ran == "False" and told.startswith("Nobody approved this tool call (no frontend showed")
    assert "add --yes" in told and "\n" not in told and len(told) <= 300  # one line, what to do
    assert notebook.cells[5].outputs[0].text == "1\n"
    saved = nbformat.reads(nbformat.writes(notebook), as_version=4)  # after save and reload
    panel = str(saved.cells[4].outputs)
    assert "claude-agent" in panel and "approved by --yes" in panel and "agent_yes = 1" in panel
    [kept] = [o.metadata["claude_magic"] for o in saved.cells[4].outputs if "claude_magic" in o.get("metadata", {})]
    [row] = kept["agent"]
    assert (row["round"], row["verdict"], row["by"], row["outcome"]) == (1, "approved", "--yes", "ok")
    assert row["sha256"] == hashlib.sha256(b"agent_yes = 1").hexdigest() and "agent_yes" not in str(kept)
    denied = str(saved.cells[1].outputs)
    assert "denied: nobody could approve it here" in denied and "add --yes" in denied  # the row says why
