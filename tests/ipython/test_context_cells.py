"""The notebook context on the cell path, in a real kernel against the simulator's request log.

What a default `%%claude` sends, what the next one adds, `--no-context`, `%claude context` against what
was then sent, `%claude fix` without a second copy of the traceback, resets, the cache, and a canary:
secrets never reach a request, the transcript, the autosave file or the output's provenance.
"""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest

from tests import kernels
from tests.kernels import go_offline, running_kernel, text_of

SETUP = (
    "%load_ext claude_magic\n"
    "%config ClaudeMagics.simulate = True\n"
    "%config ClaudeMagics.display = 'text'\n"
    "%config ClaudeMagics.autosave = {autosave!r}\n"
    "import claude_magic, json as _json\n"
    "_sim = claude_magic.session().connection.simulator"
)
KEY = "sk-ant-api03-" + "Qx7" * 15
AWS = "AKIAQQQQEXAMPLE98765"
EXCLUDED = "CANARY-customer-list-4411"
OPEN = "<notebook_context>"


@pytest.fixture
def kernel(monkeypatch, tmp_path):
    go_offline(monkeypatch)
    with running_kernel(SETUP.format(autosave=str(tmp_path / "autosave.jsonl")), cwd=str(tmp_path)) as (_, client):
        yield client


def execute(client: Any, code: str) -> list[dict[str, Any]]:
    """The cell's iopub messages."""
    return kernels.execute(client, code)[1]


def evaluate(client: Any, expression: str) -> Any:
    """`expression`'s value in the kernel, through JSON."""
    return json.loads(ast.literal_eval(kernels.evaluate(client, f"_json.dumps({expression})")))  # a str's repr


def message_bodies(client: Any) -> list[dict[str, Any]]:
    return evaluate(client, "[r.body for r in _sim.requests if r.path == '/v1/messages']")


def last_turn(client: Any) -> list[dict[str, Any]]:
    """The content of the last request's new user turn."""
    return message_bodies(client)[-1]["messages"][-1]["content"]


def context_sent(client: Any) -> str:
    """The notebook context block of the last request's new turn ("" when it had none)."""
    blocks = [b["text"] for b in last_turn(client) if b.get("type") == "text" and b["text"].startswith(OPEN)]
    assert len(blocks) <= 1
    return blocks[0] if blocks else ""


def notebook_so_far(client: Any) -> None:
    execute(client, "import pandas as pd\nsales = pd.DataFrame({'region': ['n', 's'], 'units': [3, 4]})")
    execute(client, "print('total units:', sales.units.sum())")
    execute(client, "def ratio(x):\n    return x / 0\nratio(7)")


def test_a_default_cell_carries_the_frame_the_print_and_the_error_then_only_what_is_new(kernel):
    notebook_so_far(kernel)
    answer = text_of(execute(kernel, "%%claude\nWhy did that fail?"))
    first = context_sent(kernel)
    assert "sales: DataFrame, 2 rows x 2 columns; columns: region (" in first and "units (int64)" in first
    assert "total units: 7" in first
    assert "ZeroDivisionError: division by zero" in first
    assert last_turn(kernel)[-1] == {"type": "text", "text": "Why did that fail?"}  # the cell's text comes last
    assert "context: 3 cells, 2 variables, 1 error" in answer  # the plain view says what went (sales, ratio)
    assert "I can see 3 cells" in " ".join(answer.split()), answer  # the simulated reply saw it
    execute(kernel, "fresh_total = 42")
    execute(kernel, "%%claude\nAnd now?")
    second = context_sent(kernel)
    assert "fresh_total: int = 42 (new)" in second
    assert "sales" not in second and "ZeroDivisionError" not in second and "total units" not in second
    history = message_bodies(kernel)[-1]["messages"][0]["content"]
    assert history[0]["text"] == first  # kept verbatim in the chat's history, so the cache can read it


def test_no_context_sends_none_and_the_next_cell_still_adds_only_what_changed(kernel):
    execute(kernel, "early = 1")
    execute(kernel, "%%claude\nhi")
    execute(kernel, "later = 2")
    answer = text_of(execute(kernel, "%%claude --no-context\nhi again"))
    assert context_sent(kernel) == "" and "context:" not in answer
    execute(kernel, "%%claude\nand now?")
    third = context_sent(kernel)
    assert "later: int = 2 (new)" in third and "early" not in third  # the since held over the turn without it
    execute(kernel, "%config ClaudeMagics.context = 'off'")
    execute(kernel, "%%claude\noff")
    assert context_sent(kernel) == ""
    execute(kernel, "newest = 3")
    execute(kernel, "%%claude --context\nforced")
    assert "newest: int = 3 (new)" in context_sent(kernel)


def test_claude_context_shows_what_is_then_sent(kernel):
    notebook_so_far(kernel)
    execute(kernel, "%%claude\nfirst")
    execute(kernel, "width = 3.5\nprint('width set')")
    preview = text_of(execute(kernel, "%claude context"))
    execute(kernel, "%%claude\nsecond")
    sent = context_sent(kernel)
    assert sent and preview.rstrip("\n").endswith(sent)
    summary = preview.strip().splitlines()[0]
    assert summary.startswith("context: 1 cell, 1 variable ·") and "width" in preview
    again = text_of(execute(kernel, "%claude context"))
    assert again.strip().startswith("context: nothing new")  # the preview marks nothing; the cell did


def test_reset_new_and_a_new_chat_start_afresh(kernel):
    execute(kernel, "kept = 1")
    execute(kernel, "%%claude\none")
    execute(kernel, "%%claude\ntwo")
    assert context_sent(kernel) == ""  # nothing changed
    execute(kernel, "%%claude --chat other\nthree")
    assert "kept: int = 1 (new)" in context_sent(kernel)  # each chat has its own since
    execute(kernel, "%claude reset --chat other")
    execute(kernel, "%%claude --chat other\nfour")
    assert "so far" in context_sent(kernel)
    execute(kernel, "%%claude --new\nfive")
    assert "kept: int = 1 (new)" in context_sent(kernel)


def test_fix_never_sends_the_same_traceback_twice(kernel):
    notebook_so_far(kernel)
    execute(kernel, "%claude fix")
    turn = json.dumps(last_turn(kernel))
    assert turn.count("division by zero") == 1  # in the fix prompt only
    assert "sales: DataFrame" in turn  # the rest of the context went with it
    execute(kernel, "%%claude\nthanks")
    assert "division by zero" not in context_sent(kernel)


def test_the_second_cell_reads_the_first_cells_context_from_the_cache(kernel):
    execute(kernel, "%config ClaudeMagics.system = 'You are a careful data analyst. ' * 400")
    notebook_so_far(kernel)
    execute(kernel, "%%claude\nfirst")
    execute(kernel, "extra = 1")
    execute(kernel, "%%claude\nsecond")
    rows = evaluate(kernel, "[r.as_row() for r in claude_magic.session().usage.records]")
    first, second = rows[-2], rows[-1]
    first_total = sum(first[k] for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"))
    assert second["cache_read_input_tokens"] >= first_total > 0


def test_canary_secrets_and_excluded_names_never_leave_the_kernel(kernel, tmp_path):
    execute(kernel, "%config ClaudeMagics.context_exclude = ['customer*']")
    execute(kernel, f"api_token = {KEY!r}\nharmless = {AWS!r}\ncustomers = {EXCLUDED!r}")
    execute(kernel, "print(harmless, customers)")
    preview = text_of(execute(kernel, "%claude context"))
    outputs = execute(kernel, "%%claude\nWhat did I set up?")
    execute(kernel, "%claude export transcript.json")
    assert "api_token" in preview and "harmless" in preview  # names may appear; values never
    raw = evaluate(kernel, "[r.raw_body.decode() for r in _sim.requests]")
    metadata = json.dumps([m["content"].get("metadata", {}) for m in outputs])
    places = {
        "requests": "\n".join(raw),
        "preview": preview,
        "outputs": text_of(outputs),
        "provenance": metadata,
        "autosave": (tmp_path / "autosave.jsonl").read_text(),
        "transcript": (tmp_path / "transcript.json").read_text(),
    }
    for where, text in places.items():
        for secret in (KEY, KEY[:24], AWS, EXCLUDED):
            assert secret not in text, f"{secret[:8]}... reached the {where}"
    assert '"context": {"tokens":' in metadata and '"name": "api_token"' in metadata  # names and tokens only
    assert "<masked>" in places["requests"]


def test_a_failed_cell_leaves_the_since_where_it_was(kernel):
    execute(kernel, "early = 1")
    execute(kernel, "%%claude\nfirst")
    execute(kernel, "later = 2")
    execute(kernel, "from claude_magic.simulator import ScriptedError")
    execute(kernel, "_sim.queue(ScriptedError(status=529, repeat=3, message='Overloaded'))")
    failed = text_of(execute(kernel, "%%claude\nthis one fails"))
    assert "529" in failed and "Traceback" not in failed
    execute(kernel, "%%claude\nagain")
    again = context_sent(kernel)
    assert "later: int = 2 (new)" in again and "early" not in again


# -- the settings and options, in a real shell (no kernel needed) -----------------------------


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("%config ClaudeMagics.context_tokens = 0", "context_tokens must be 1 to 50,000 tokens, not 0"),
        ("%config ClaudeMagics.context_tokens = 10**9", "context_tokens must be 1 to 50,000 tokens"),
        ("%config ClaudeMagics.context_exclude = ['']", "context_exclude: '' is not a name pattern"),
        ("%config ClaudeMagics.context_exclude = ['a\\x00b']", "is not a name pattern"),
        ("%config ClaudeMagics.context_exclude = ['x'] * 10_000", "at most 200 patterns, not 10000"),
        ("%config ClaudeMagics.context = 'maybe'", "ClaudeMagics.context"),
    ],
)
def test_a_bad_context_setting_is_one_line_and_the_old_value_stays(magics, run, shell, line, says, caplog):
    before = (magics.context, magics.context_tokens, list(magics.context_exclude))
    _, captured = run(line)
    # %config reports a configurable's exception through logging.error(e): one record, one line.
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1 and "\n" not in lines[0] and len(lines[0]) <= 300
    assert says in lines[0] and "the old value is kept" in lines[0]
    assert "Traceback" not in captured.stdout + captured.stderr
    assert (magics.context, magics.context_tokens, list(magics.context_exclude)) == before
    shell.config.pop("ClaudeMagics")  # %config merged the rejected value into the shell's own config


def test_context_and_no_context_together_are_one_line_and_send_nothing(magics, run, session):
    result, _ = run("%%claude --context --no-context\nhi")
    assert "--context and --no-context contradict each other" in str(result.error_in_exec)
    assert len(session.usage) == 0


def test_without_a_watcher_claude_context_says_how_to_get_one(magics, run):
    _, captured = run("%claude context")
    assert "gathered in a shell where %load_ext claude_magic ran" in captured.stdout
    magics.context = "off"
    _, captured = run("%claude context")
    assert "notebook context is off" in captured.stdout
