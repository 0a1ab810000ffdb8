"""A tool chain as a model plans it: which client tools the question still needs, fed by earlier results.

The rule: the tools the question names are called in the order it names them. A tool with a
required `number` argument that the question does not give (`amount` in "convert the price")
waits for the earlier tools, then gets the last numeric result of this turn. When every named
tool has been called, the reply states the last tool's number as the answer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .prompt import LABEL, asking_index, quote

RESULT_CHARS = 60
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
Dict = dict[str, Any]


@dataclass(frozen=True)
class TurnSoFar:
    """This turn's calls (tool_use blocks) and results (tool_result blocks), in order."""

    calls: list[Dict]
    results: list[Dict]


def turn_so_far(messages: list[Dict]) -> TurnSoFar:
    """The tool_use and tool_result blocks sent since the question was asked."""
    start = asking_index(messages)
    later = messages[(start or 0) + 1 :] if start is not None else []
    calls = [b for m in later if m.get("role") == "assistant" for b in _blocks(m) if b.get("type") == "tool_use"]
    results = [b for m in later if m.get("role") == "user" for b in _blocks(m) if b.get("type") == "tool_result"]
    return TurnSoFar(calls, results)


def ordered_by_mention(tools: list[Dict], prompt: str) -> list[Dict]:
    """`tools` in the order the prompt first names them."""
    return sorted(tools, key=lambda t: _position(str(t["name"]), prompt))


def next_calls(
    remaining: list[Dict], hints: dict[str, str], previous: float | None, first_round: bool
) -> list[tuple[Dict, Dict]]:
    """(tool, extra hints) to call now: those not waiting for a result, stopping at the first that waits.

    A waiting tool is called when nothing precedes it: with the last result's number, or, in the
    first round, with its schema's defaults. After results with no number in them it is not called.
    """
    batch: list[tuple[Dict, Dict]] = []
    for tool in remaining:
        missing = [n for n in _required_numbers(tool) if n not in hints]
        if not missing:
            batch.append((tool, {}))
            continue
        if not batch and previous is not None:
            batch.append((tool, {n: _plain(previous) for n in missing}))
        elif not batch and first_round:
            batch.append((tool, {}))
        break
    return batch


def last_number(results: list[Dict]) -> float | None:
    """The first number in the text of the last result that is not an error and holds one."""
    for result in reversed(results):
        if result.get("is_error"):
            continue
        match = _NUMBER.search(result_text(result.get("content")))
        if match and math.isfinite(float(match.group())):
            return float(match.group())
    return None


def answer_text(turn: TurnSoFar, names: dict[str, str]) -> str:
    """The final reply of a chain: each call and its result, then the last result's number as the answer."""
    lines = [_result_line(names.get(str(r.get("tool_use_id")), "tool"), r) for r in turn.results]
    head = f"{LABEL} The tools returned {len(turn.results)} result{'' if len(turn.results) == 1 else 's'}:"
    text = "\n".join([head, "", *lines])
    final = turn.results[-1] if turn.results else {}
    number = None if final.get("is_error") else last_number([final])
    if number is not None:
        text += f"\n\nThe answer, from the last result: **{_plain(number)}**."
    return text


def tool_names(messages: list[Dict]) -> dict[str, str]:
    """{tool_use id: tool name} over every assistant message."""
    names: dict[str, str] = {}
    for message in messages:
        if message.get("role") == "assistant":
            uses = [b for b in _blocks(message) if b.get("type") == "tool_use"]
            names.update({str(b.get("id")): str(b.get("name")) for b in uses})
    return names


def result_text(content: Any) -> str:
    """A tool result's content as text; non-text blocks as `[type]`."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts = [str(b.get("text", "")) if b.get("type") == "text" else f"[{b.get('type')}]" for b in content]
    return " ".join(parts)


def _result_line(name: str, result: Dict) -> str:
    mark = " (error)" if result.get("is_error") else ""
    return f'- `{name}`{mark}: "{quote(result_text(result.get("content")), RESULT_CHARS)}"'


def _required_numbers(tool: Dict) -> list[str]:
    schema = tool.get("input_schema") or {}
    properties = schema.get("properties") or {}
    required = [n for n in schema.get("required") or [] if isinstance(n, str)]
    return [n for n in required if isinstance(properties.get(n), dict) and properties[n].get("type") == "number"]


def _position(name: str, prompt: str) -> int:
    match = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", prompt)
    return match.start() if match else len(prompt)


def _plain(number: float) -> str:
    """12.0 -> "12", 34.5 -> "34.5"."""
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _blocks(message: Dict) -> list[Dict]:
    content = message.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
