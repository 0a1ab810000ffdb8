"""`%claude batch` in a real kernel: the batch joins itself between cells, and the kernel stays free meanwhile."""

from __future__ import annotations

import json
import time

import pytest
from jupyter_client.manager import start_new_kernel

SETUP = """\
%load_ext claude_magic
import claude_magic
import pandas as pd
from claude_magic.simulator import ScriptedError

session = claude_magic.session()
sim = session.connection.simulator
sim.script_batch({"2": "expired", "3": ScriptedError(529, "overloaded_error", "Overloaded")}, delay_s=3)
df = pd.DataFrame({"text": ["great", "awful", "fine", "meh", "superb"]})
"""
# The bar's label, read through ipywidgets' own registry of live widgets.
# What the kernel sends its frontend for display: the bar's final state replaces the bar's output.
RECORD_DISPLAYS = """\
SENT = []

def _record(msg):
    SENT.append(str(msg["content"].get("data", {}).get("text/plain", "")))
    return msg

get_ipython().display_pub.register_hook(_record)
"""
BAR_LABELS = "import json\nprint(json.dumps(SENT))"


def run(client, code: str) -> tuple[dict, str]:
    """Execute `code`; its reply content and everything it printed."""
    printed: list[str] = []

    def hook(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            printed.append("\n".join(msg["content"]["traceback"]))

    reply = client.execute_interactive(code, timeout=60, output_hook=hook)
    return reply["content"], "".join(printed)


def value(client, expression: str):
    content, printed = run(client, f"import json; print(json.dumps({expression}))")
    assert content["status"] == "ok", printed
    return json.loads(printed)


@pytest.fixture
def client(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def test_a_batch_joins_between_cells_while_the_kernel_stays_free(client):
    content, printed = run(client, SETUP)
    assert content["status"] == "ok", printed
    assert run(client, RECORD_DISPLAYS)[0]["status"] == "ok"
    content, printed = run(client, '%claude batch df --prompt "Sentiment of: {{row.text}}" --out label')
    assert content["status"] == "ok", printed
    assert "submitted batch" in printed

    started = time.monotonic()
    content, printed = run(client, "1 + 1")
    assert content["status"] == "ok" and time.monotonic() - started < 2.0
    assert value(client, "'label' in df.columns") is False  # still processing: nothing joined yet

    deadline = time.monotonic() + 30
    while not value(client, "'label_status' in df.columns"):
        assert time.monotonic() < deadline, "the batch never joined on its own"
        time.sleep(0.3)

    assert value(client, "df['label_status'].tolist()") == ["succeeded", "succeeded", "expired", "errored", "succeeded"]
    assert value(client, "df['label'].notna().tolist()") == [True, True, False, False, True]
    assert value(client, "[r.kind for r in session.usage.records]") == ["batch"]
    content, printed = run(client, BAR_LABELS)
    assert content["status"] == "ok", printed
    labels = json.loads(printed)
    assert any("joined 5 rows into df['label'] (3 succeeded, 1 expired, 1 errored)" in label for label in labels)

    content, printed = run(client, "%claude batch wait")
    assert content["status"] == "ok", printed
    assert "is already joined into df['label']; nothing to do" in printed
    assert value(client, "[r.kind for r in session.usage.records]") == ["batch"]
    assert value(client, "len([r for r in session.connection.simulator.requests if r.path.endswith('/results')])") == 1
