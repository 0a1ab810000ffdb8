"""Headers, user ids, betas and compaction through a real IPython shell, the real SDK and the simulator."""

from __future__ import annotations

import pytest

from claude_magic import Session
from claude_magic._edge.replay import client_options
from claude_magic.simulator import ScriptedError

CANARY = "canary-5b1e-do-not-leak"
CELL_CANARY = "cell-canary-93d0"
LONG = "Describe the water cycle in detail, step by step. " * 40  # ~500 tokens by the simulator's estimate
PRICES = {"input": 2.0, "output": 10.0, "cache_read": 0.10, "write_5m": 2.5}  # claude-sonnet-5-5, USD per million


@pytest.fixture(autouse=True)
def fresh_config(shell):
    """%config merges every value, accepted or not, into the shell's own config: forget it after each test."""
    yield
    shell.config.pop("ClaudeMagics", None)


def shown(out) -> str:
    return out.stdout + out.stderr


def test_headers_reach_the_api_and_nothing_else(run, magics, sim, session, tmp_path):
    run("%config ClaudeMagics.autosave = " + repr(str(tmp_path / "auto.jsonl")))
    run(f"%config ClaudeMagics.headers = {{'X-Team-Token': {CANARY!r}}}")
    result, out = run(f"%%claude --header X-Cell={CELL_CANARY} -o answer\nhello")
    assert result.success, shown(out)
    headers = sim.requests[-1].headers
    assert (headers["x-team-token"], headers["x-cell"]) == (CANARY, CELL_CANARY)
    run("%%claude\nagain")
    assert "x-cell" not in sim.requests[-1].headers and sim.requests[-1].headers["x-team-token"] == CANARY
    sim.queue(ScriptedError(status=400, type="invalid_request_error", message="no"))
    failed, failure = run(f"%%claude --header X-Cell={CELL_CANARY}\nfail")
    assert not failed.success
    listing, config = run("%claude config")
    _, traits = run("%config ClaudeMagics")
    assert "X-Team-Token" in traits.stdout
    rows = {row["setting"]: row["value"] for row in magics.config_rows()}
    assert rows["headers"] == {"X-Team-Token": "••••••"}
    exports = [session.transcript.export(tmp_path / f"t{suffix}") for suffix in (".jsonl", ".json", ".md", ".csv")]
    texts = [p.read_text(encoding="utf-8") for p in [*exports, tmp_path / "auto.jsonl"]]
    texts += [shown(out), shown(failure), shown(config), repr(listing.result), str(rows), shown(traits)]
    texts += [repr(session.last), repr(session.usage.rows())]
    for text in texts:
        assert CANARY not in text and CELL_CANARY not in text


def test_a_recording_keeps_no_header_value(sim, make_client, tmp_path):
    path = tmp_path / "rec.jsonl"
    session = Session(client=make_client(**client_options(str(path), "record")))
    session.headers = {"X-Team-Token": CANARY}
    session.ask("hello", headers={"X-Cell": CELL_CANARY})
    assert sim.requests[-1].headers["x-team-token"] == CANARY and sim.requests[-1].headers["x-cell"] == CELL_CANARY
    recorded = path.read_text(encoding="utf-8")
    assert CANARY not in recorded and CELL_CANARY not in recorded and '"kind":"recording"' in recorded


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        (f"%%claude --header 'Bad Name={CELL_CANARY}'\nhi", "header names are HTTP tokens"),
        (f"%%claude --header x-api-key={CELL_CANARY}\nhi", "header x-api-key is set by claude_magic or the SDK"),
        ("%%claude --compact-at 0\nhi", "--compact-at must be a positive whole number"),
    ],
)
def test_bad_cell_knobs_are_one_line_that_never_shows_a_header_value(run, sim, cell, fragment):
    result, out = run(cell)
    assert not result.success and fragment in shown(out)
    assert CELL_CANARY not in shown(out) and "Traceback" not in shown(out)
    assert len(shown(out).strip().splitlines()) == 1
    assert sim.requests == []


@pytest.mark.parametrize(
    ("statement", "fragment", "name", "old"),
    [
        (f"headers = {{'X-A': 'line\\n{CELL_CANARY}'}}", "the value must be one line", "headers", {}),
        ("user_id = 'u' * 257", "user_id must be an opaque id of 1 to 256 characters", "user_id", None),
        ("betas = ['has space']", "each beta is a name", "betas", []),
        ("compact_at = -3", "--compact-at must be a positive whole number", "compact_at", None),
    ],
)
def test_bad_knob_config_is_one_line_and_keeps_the_old_value(run, magics, caplog, statement, fragment, name, old):
    _, out = run(f"%config ClaudeMagics.{statement}")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1 and fragment in lines[0] and CELL_CANARY not in lines[0]
    assert CELL_CANARY not in shown(out) and getattr(magics, name) == old


def test_user_id_is_sent_only_when_set(run, sim):
    run("%%claude\nhi")
    assert "metadata" not in sim.requests[-1].body
    run("%config ClaudeMagics.user_id = 'c0ffee-1234'")
    run("%%claude\nhi")
    assert sim.requests[-1].body["metadata"] == {"user_id": "c0ffee-1234"}


def test_betas_go_through_the_beta_header(run, sim):
    run("%%claude\nhi")
    assert "anthropic-beta" not in sim.requests[-1].headers
    run("%config ClaudeMagics.betas = ['context-1m-2025-08-07']")
    result, out = run("%%claude\nhi")
    assert result.success, shown(out)
    assert sim.requests[-1].headers["anthropic-beta"] == "context-1m-2025-08-07"
    run("%config ClaudeMagics.betas = ['no-such-beta-2099-01-01']")
    result, out = run("%%claude\nhi")
    assert not result.success and "no-such-beta-2099-01-01" in shown(out) and "Traceback" not in shown(out)


def by_hand(usage) -> float:
    """The reply's cost from its usage numbers at claude-sonnet-5-5's prices, compaction iterations included."""
    top = (
        usage.input_tokens * PRICES["input"]
        + usage.output_tokens * PRICES["output"]
        + usage.cache_read_input_tokens * PRICES["cache_read"]
        + usage.cache_write_5m_tokens * PRICES["write_5m"]
    )
    extra = sum(
        i["input_tokens"] * PRICES["input"] + i["output_tokens"] * PRICES["output"] for i in usage.separate_iterations
    )
    return (top + extra) / 1e6


def test_a_chat_past_compact_at_compacts_and_carries_the_block(run, sim, session, tmp_path, make_client):
    run("%config ClaudeMagics.compact_at = 600")
    result, out = run(f"%%claude\n{LONG}")
    assert result.success and "compacted:" not in shown(out), "one message: nothing to summarise yet"
    result, out = run("%%claude -o second\nAnd where does the rain go?")
    assert result.success, shown(out)
    request = sim.requests[-1]
    assert request.body["context_management"] == {
        "edits": [{"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": 600}}]
    }
    assert "compact-2026-01-12" in request.headers["anthropic-beta"]
    second = session.last
    assert second.content[0]["type"] == "compaction"
    replaced = second.usage.separate_iterations[0]["input_tokens"]
    assert f"compacted: {replaced:,} tokens of earlier context" in shown(out)
    assert second.cost_usd == pytest.approx(by_hand(second.usage))
    assert [i["type"] for i in second.usage.separate_iterations] == ["compaction"]

    result, out = run("%%claude\nThanks.")
    assert result.success, shown(out)
    sent = sim.requests[-1].body["messages"]
    assert sent[3]["content"][0] == second.content[0], "the block goes back as the API returned it"
    assert "compacted:" not in shown(out)

    run("%config ClaudeMagics.compact_at = None")
    result, out = run("%%claude\nWithout compaction now.")
    assert result.success, shown(out)
    assert sim.requests[-1].headers["anthropic-beta"] == "compact-2026-01-12", "the block in the history needs it"
    assert "context_management" not in sim.requests[-1].body

    path = session.transcript.export(tmp_path / "chat.jsonl")
    restored = Session(client=make_client())
    restored.transcript.load(path)
    restored.ask("One more.", compact_at=600)
    assert sim.requests[-1].body["messages"][3]["content"][0] == second.content[0]
