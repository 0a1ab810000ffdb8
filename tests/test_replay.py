"""Record through the real SDK and simulator, then replay in a fresh process with no socket opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import anthropic
import pytest

from claude_magic import Session
from claude_magic._edge.replay import client_options
from claude_magic.simulator import Simulator
from tests.conftest import TEST_KEY

PROMPTS = ("Explain what a p-value is in two sentences.", "Now give a one-line example.")

# Runs in a child process: an audit hook logs every socket event, then the session replays.
REPLAYER = textwrap.dedent(
    """
    import json, sys
    sockets = []
    sys.addaudithook(lambda event, args: event.startswith("socket.") and sockets.append(event))
    from claude_magic import Session
    from claude_magic.core.errors import ClaudeMagicError
    session = Session()
    session.connection.use_replay(sys.argv[1], "replay")
    texts = [session.ask(prompt).text for prompt in json.loads(sys.argv[2])]
    try:
        session.ask("An unrecorded question\\nsecond line")
        miss = None
    except ClaudeMagicError as error:
        miss = error.message
    chat = len(session.transcript.chat().exchanges)
    print(json.dumps({"texts": texts, "sockets": sockets, "miss": miss, "chat": chat}))
    """
)


@pytest.fixture
def recording(tmp_path):
    """A recording of PROMPTS made against a simulator that is stopped afterwards."""
    path = tmp_path / "rec.jsonl"
    with Simulator() as sim:
        client = anthropic.Anthropic(
            base_url=sim.url, api_key=TEST_KEY, max_retries=0, **client_options(str(path), "record")
        )
        session = Session(client=client)
        texts = [session.ask(prompt).text for prompt in PROMPTS]
        assert len(sim.requests) == 2
    assert not sim.running
    return path, texts


def test_record_saves_one_line_per_reply_and_no_secrets(recording):
    path, _ = recording
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["cell"] for r in records] == list(PROMPTS)
    assert all(r["status"] == 200 and "event: message_stop" in r["body"] for r in records)
    assert records[0]["fingerprint"] != records[1]["fingerprint"]
    text = path.read_text(encoding="utf-8").lower()
    assert TEST_KEY.lower() not in text and "x-api-key" not in text and "authorization" not in text


def test_replay_opens_no_socket_and_names_an_unmatched_cell(recording):
    path, texts = recording
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.pop("CLAUDE_MAGIC_SIMULATE", None)
    done = subprocess.run(
        [sys.executable, "-c", REPLAYER, str(path), json.dumps(PROMPTS)],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["texts"] == texts
    assert result["sockets"] == []
    assert result["miss"].startswith(f"No recorded reply in {path} for the cell starting 'An unrecorded question'")
    assert result["chat"] == 2, "the miss left the chat as it was"


def test_the_audit_hook_does_see_sockets(tmp_path):
    """Guards the test above: the same hook does log a socket when the network is used."""
    probe = (
        "import sys, socket\nseen = []\n"
        "sys.addaudithook(lambda e, a: e.startswith('socket.') and seen.append(e))\n"
        "socket.socket().close()\nprint(seen)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "socket.__new__" in out


def test_auto_mode_replays_hits_and_records_misses(recording, sim, make_client):
    path, texts = recording
    before = len(path.read_text(encoding="utf-8").splitlines())
    client = make_client(**client_options(str(path), "auto"))
    session = Session(client=client)
    assert session.ask(PROMPTS[0]).text == texts[0]
    assert sim.requests == [], "a hit is served from the file"
    session.ask("A new question")
    assert len(sim.requests) == 1
    assert len(path.read_text(encoding="utf-8").splitlines()) == before + 1


def test_demo_uses_a_shipped_recording_when_there_is_no_key(tmp_path):
    from claude_magic.demo import choose_backend, recording_for

    notebook = tmp_path / "01_quickstart.ipynb"
    recording = recording_for(notebook)
    assert recording == tmp_path / "_replay" / "01_quickstart.jsonl"
    environ: dict[str, str] = {}
    assert "simulator" in choose_backend(environ, recording) and "CLAUDE_MAGIC_REPLAY" not in environ
    recording.parent.mkdir()
    recording.write_text("", encoding="utf-8")
    environ = {}
    assert "replaying" in choose_backend(environ, recording)
    assert environ["CLAUDE_MAGIC_REPLAY"] == str(recording) and environ["CLAUDE_MAGIC_REPLAY_MODE"] == "auto"
    assert environ["CLAUDE_MAGIC_SIMULATE"] == "1"
    keyed = {"ANTHROPIC_API_KEY": "sk-real"}
    assert "real Anthropic API" in choose_backend(keyed, recording) and "CLAUDE_MAGIC_REPLAY" not in keyed


def test_replay_env_is_read_by_a_new_session(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_MAGIC_REPLAY", str(tmp_path / "r.jsonl"))
    monkeypatch.setenv("CLAUDE_MAGIC_REPLAY_MODE", "replay")
    session = Session()
    assert (session.connection.replay, session.connection.replay_mode) == (str(tmp_path / "r.jsonl"), "replay")
