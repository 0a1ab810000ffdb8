"""Faults of issue 22: hostile notebooks and recordings given to the audit gate, schemas the API refuses or
cannot resolve, replies `-f json` cannot parse, and header values in the SDK's debug log records."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from claude_magic.core.errors import SchemaError, StructuredOutputError
from claude_magic.simulator import ScriptedReply
from tests.conftest import TEST_KEY

# -- 20: python -m claude_magic.audit is a gate ---------------------------------------------------------------------


def _call(cost: Any = 0.25, **fields: Any) -> dict[str, Any]:
    row = {"call": 1, "chat": "default", "model": "claude-sonnet-5-5", "request_id": "req_1", "input_tokens": 10}
    return row | {"output_tokens": 5, "cost_usd": cost, "hit_rate": 0.0, "replay_key": "k1", "error": None} | fields


def _cell(*calls: Any) -> dict[str, Any]:
    output = {"output_type": "display_data", "data": {}, "metadata": {"claude_magic": {"version": 1, "calls": calls}}}
    return {"cell_type": "code", "source": "%%claude\nhi", "metadata": {}, "outputs": [output]}


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_NOTEBOOKS: dict[str, str | bytes] = {
    "cells a string": json.dumps({"cells": "abc"}),
    "cells null": json.dumps({"cells": None}),
    "a cell a number": json.dumps({"cells": [7]}),
    "outputs a string": json.dumps({"cells": [{"cell_type": "code", "outputs": "oops"}]}),
    "outputs a list of lists": json.dumps({"cells": [{"cell_type": "code", "outputs": [[1, 2]]}]}),
    "metadata a list": json.dumps({"cells": [{"outputs": [{"metadata": [1]}]}]}),
    "provenance a string": json.dumps({"cells": [{"outputs": [{"metadata": {"claude_magic": "x"}}]}]}),
    "calls not a list": json.dumps({"cells": [{"outputs": [{"metadata": {"claude_magic": {"calls": 5}}}]}]}),
    "calls not objects": json.dumps({"cells": [_cell("a", 3)]}),
    "tokens a string": json.dumps({"cells": [_cell(_call(input_tokens="many"))]}),
    "tokens negative": json.dumps({"cells": [_cell(_call(output_tokens=-3))]}),
    "100,000-deep nesting": '{"cells": ' + _deep(100_000) + "}",
    "100,000-deep metadata": '{"cells": [{"outputs": [{"metadata": ' + _deep(100_000) + "}]}]}",
    "a 5,000-digit integer": '{"cells": [], "n": ' + "9" * 5000 + "}",
    "binary": bytes(range(256)) * 4,
}
FORGED_COSTS = {"negative": -5, "NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "true": "true"}


def _audit(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "claude_magic.audit", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _refused(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert len(done.stderr.strip()) <= 300 + len("audit: ")
    assert "total" not in done.stdout


def _write(tmp_path: Path, content: str | bytes, name: str = "hostile.ipynb") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize("case", list(HOSTILE_NOTEBOOKS))
def test_a_notebook_of_the_wrong_shape_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    _refused(_audit(str(_write(tmp_path, HOSTILE_NOTEBOOKS[case]))))


@pytest.mark.parametrize("case", list(FORGED_COSTS))
def test_a_forged_cost_is_refused_not_totalled(tmp_path: Path, case: str) -> None:
    text = json.dumps({"cells": [_cell(_call(0.5)), _cell(_call("FORGED"))]})
    done = _audit(str(_write(tmp_path, text.replace('"FORGED"', str(FORGED_COSTS[case])))))
    _refused(done)
    assert "cost_usd" in done.stderr


def test_costs_that_overflow_when_summed_are_refused(tmp_path: Path) -> None:
    text = json.dumps({"cells": [_cell(_call(1e308)), _cell(_call(1e308))]})
    _refused(_audit(str(_write(tmp_path, text))))


def test_an_honest_notebook_still_totals(tmp_path: Path) -> None:
    done = _audit(str(_write(tmp_path, json.dumps({"cells": [_cell(_call(0.5)), _cell(_call(1))]}))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split()[-1] == "$1.50"


# Explicit ids: a 200,000-character id would reach the child's environment as PYTEST_CURRENT_TEST, over the kernel's
# 128 KiB limit for one string (pytest 8.0, the lowest allowed, does not shorten long ids).
@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 4, '{"fingerprint": "k1"}\n' + _deep(100_000) + "\n"],
    ids=["binary", "100,000-deep nesting"],
)
def test_a_hostile_recording_is_refused_in_one_line(tmp_path: Path, content: str | bytes) -> None:
    notebook = _write(tmp_path, json.dumps({"cells": [_cell(_call(0.5))]}))
    _refused(_audit(str(notebook), "--check-replay", str(_write(tmp_path, content, "rec.jsonl"))))


@pytest.mark.parametrize("case", ["cells a string", "100,000-deep nesting", "binary"])
def test_claude_audit_in_a_shell_is_the_same_one_line(run, tmp_path: Path, case: str) -> None:
    path = _write(tmp_path, HOSTILE_NOTEBOOKS[case])
    result, captured = run(f"%claude audit {path}")
    error = result.error_in_exec
    assert error is not None and "Traceback" not in captured.stdout + captured.stderr
    assert error._render_traceback_() == [f"TranscriptFileError: {error.message}"] and "\n" not in error.message


def test_a_forged_cost_in_a_shell_is_one_line(run, tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({"cells": [_cell(_call(True))]}))
    result, _ = run(f"%claude audit {path}")
    assert "cost_usd" in result.error_in_exec.message


# -- 21: a schema is checked before sending; a reply -f json cannot read is one line, the reply kept ---------------


class Node(BaseModel):
    name: str
    children: list[Node]


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


UNSENDABLE_SCHEMAS: dict[str, Any] = {
    "a dangling $ref": _closed({"a": {"$ref": "#/$defs/Missing"}}),
    "a dangling nested $ref": _closed({"a": {"type": "array", "items": {"$ref": "#/$defs/Row/properties/x"}}})
    | {"$defs": {"Row": _closed({"y": {"type": "string"}})}},
    "a recursive dict": _closed({"root": {"$ref": "#/$defs/Tree"}})
    | {"$defs": {"Tree": _closed({"kids": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}})}},
    "a $ref to the root": _closed({"next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}),
    "a remote $ref": _closed({"a": {"$ref": "https://example.com/schema.json"}}),
    "draft-7 definitions the API never gets": _closed({"a": {"$ref": "#/definitions/A"}})
    | {"definitions": {"A": {"type": "string"}}},
    "a recursive pydantic model": Node,
    "a list of a recursive model": list[Node],
}


@pytest.mark.parametrize("case", list(UNSENDABLE_SCHEMAS))
def test_a_schema_the_api_cannot_take_is_refused_before_sending(run, shell, sim, session, case: str) -> None:
    shell.user_ns["Shape"] = UNSENDABLE_SCHEMAS[case]
    result, captured = run("%%claude -f json --schema Shape -o out\nFill the shape.\n")
    error = result.error_in_exec
    assert isinstance(error, SchemaError) and "Traceback" not in captured.stdout + captured.stderr
    assert "\n" not in error.message and len(error.message) <= 300 and "$ref" in error.message
    assert sim.requests == [] and len(session.usage) == 0 and "out" not in shell.user_ns


def test_a_schema_nested_past_the_recursion_limit_is_one_line(run, shell, sim, session) -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(5000):
        deep = _closed({"x": deep})
    shell.user_ns["Shape"] = deep
    result, captured = run("%%claude -f json --schema Shape -o out\nFill the shape.\n")
    assert isinstance(result.error_in_exec, SchemaError) and "Traceback" not in captured.stdout + captured.stderr
    assert "nested too deeply" in result.error_in_exec.message and sim.requests == []


def test_a_schema_whose_refs_resolve_is_sent(run, shell, sim) -> None:
    defs = {"$defs": {"A": _closed({"b": {"type": "string"}})}}
    shell.user_ns["Shape"] = _closed({"a": {"$ref": "#/$defs/A"}}) | defs
    result, _ = run("%%claude -f json --schema Shape -o out\nFill the shape.\n")
    assert result.error_in_exec is None and len(sim.requests) == 1
    assert isinstance(shell.user_ns["out"]["a"]["b"], str)


UNREADABLE_REPLIES = {
    "100,000-deep": "[" * 100_000 + "]" * 100_000,
    "1,200-deep": '{"items": ' + "[" * 1200 + "]" * 1200 + "}",
    "a 5,000-digit integer": '{"items": [' + "9" * 5000 + "]}",
    "a 5,000-digit negative integer": '{"items": [-' + "7" * 5000 + "]}",
}


class Rows(BaseModel):
    items: list[int]


@pytest.mark.parametrize("schema", [None, "Rows", "RowList", "RowsDict"])
@pytest.mark.parametrize("case", list(UNREADABLE_REPLIES))
def test_a_reply_json_cannot_read_is_one_line_and_kept(run, shell, sim, session, case: str, schema: str | None) -> None:
    shell.user_ns.update(Rows=Rows, RowList=list[int], RowsDict=_closed({"items": {"type": "array"}}))
    shell.user_ns.pop("out", None)
    sim.queue(ScriptedReply(text=UNREADABLE_REPLIES[case]))
    result, captured = run(f"%%claude -f json {'--schema ' + schema if schema else ''} -o out\nGive JSON.\n")
    error = result.error_in_exec
    assert isinstance(error, StructuredOutputError) and "Traceback" not in captured.stdout + captured.stderr
    assert "\n" not in error.message and len(error.message) <= 300 and "raw text" in error.message
    assert len(session.usage) == 1 and session.usage.records[-1].cost_usd  # the call is a ledger row
    assert session.last.text == UNREADABLE_REPLIES[case]  # the paid reply is in the chat
    assert shell.user_ns["out"].text == UNREADABLE_REPLIES[case]  # and bound to -o, not left stale


# -- 22: with the SDK's debug logging on, no header value or key reaches a log record or the cell ------------------

HEADER_CANARY = "hdr-CANARY-value-7f3a9c"
SDK_LOGGERS = ("anthropic", "httpx", "httpx2", "httpcore")


@pytest.fixture
def debug_logs():
    """The SDK's loggers at DEBUG with a handler that keeps every formatted record, as ANTHROPIC_LOG=debug does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    saved = [(logging.getLogger(name), logging.getLogger(name).level) for name in SDK_LOGGERS]
    for logger, _ in saved:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    yield stream
    for logger, level in saved:
        logger.setLevel(level)
        logger.removeHandler(handler)


@pytest.mark.parametrize("reply", [ScriptedReply(text="fine"), ScriptedReply(text="x" * 200, fail_after_chars=20)])
def test_debug_logs_mask_header_values_and_the_key(run, magics, sim, debug_logs, reply: ScriptedReply) -> None:
    magics.headers = {"X-Session-Team": HEADER_CANARY + "-session"}
    sim.queue(reply)
    _, captured = run(f"%%claude --header X-Team={HEADER_CANARY}\nhi\n")
    shown = debug_logs.getvalue() + captured.stdout + captured.stderr
    assert "Request options" in shown and "X-Team" in shown  # the log was on, and names may show
    assert sim.requests[-1].headers.get("x-team") == HEADER_CANARY  # the header was really sent
    assert HEADER_CANARY not in shown and TEST_KEY not in shown


def test_anthropic_log_debug_in_a_fresh_process_never_shows_a_header_value(tmp_path: Path) -> None:
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'claude_magic')\n"
        "shell.run_line_magic('config', 'ClaudeMagics.simulate = True')\n"
        f"shell.run_cell('%%claude --header X-Team={HEADER_CANARY}\\nhi\\n', store_history=False)\n"
    )
    environment = {**os.environ, "ANTHROPIC_LOG": "debug", "IPYTHONDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False, env=environment
    )
    assert "Request options" in done.stderr and "Simulated reply" in done.stdout, done.stderr[-2000:]
    assert HEADER_CANARY not in done.stdout + done.stderr and "sk-simulated" not in done.stdout + done.stderr
