"""The default reply when the simulator plays an agent: its next `python` call, or its answer from the results.

`tool_replies.py` lets the agent play when the request offers a client tool `python` whose schema
has a `code` string (`offers_python`). The calls of this turn are replayed through the plan
(`agent_plan.py`); a call the plan would not have made (a scripted one, another tool's) ends the
play with the tool chain's plain answer. The answer names each call, quotes a number its results
printed, and says honestly why it stopped. A reply that does not fit `max_tokens` stops there:
its text cut, no call made.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .agent_plan import COMPUTE, PLOT, Done, Facts, Step, next_step
from .agent_subject import subject_of
from .blocks import tool_id
from .prompt import LABEL, context_of, fingerprint, prompt_of, quote
from .tokens import CHARS_PER_TOKEN, estimate_tokens
from .tool_chain import answer_text, result_text, tool_names, turn_so_far
from .tools import custom_tools

AGENT_TOOL = "python"
ERROR_CHARS = 120
_STATED = re.compile(r"^(sum|mean): (-?\d[\d.]*(?:[eE][-+]?\d+)?)\s*$", re.MULTILINE)
_SHAPE = re.compile(r"^\((\d+), (\d+)\)\s*$", re.MULTILINE)
Dict = dict[str, Any]


def offers_python(body: Dict) -> bool:
    """The request offers a client tool `python` that takes a `code` string."""
    tool = next((t for t in custom_tools(body) if t.get("name") == AGENT_TOOL), None)
    properties = ((tool or {}).get("input_schema") or {}).get("properties")
    code = properties.get("code") if isinstance(properties, dict) else None
    return isinstance(code, dict) and code.get("type") == "string"


def agent_turn(body: Dict, may_call: bool, forced: bool) -> tuple[list[Dict], str]:
    """(blocks, stop reason): the plan's next call when it has one and may call, else the answer."""
    facts, planned = replayed(body)
    if not planned:
        turn = turn_so_far(body["messages"])
        return _fit(body, [{"type": "text", "text": answer_text(turn, tool_names(body["messages"]))}], "end_turn")
    step = next_step(facts) if may_call else None
    if step is None:
        return _fit(body, [{"type": "text", "text": answer(facts)}], "end_turn")
    seed = f"{fingerprint(facts.subject.prompt)}:{len(body['messages'])}"
    use = {"type": "tool_use", "id": tool_id("tool_use", seed), "name": AGENT_TOOL, "input": {"code": step.code}}
    return _fit(body, [use] if forced else [{"type": "text", "text": step.says}, use], "tool_use")


def replayed(body: Dict) -> tuple[Facts, bool]:
    """The facts after this turn's calls, and False when a call is not the one the plan makes."""
    facts = Facts(subject_of(prompt_of(body)[0], context_of(body)))
    turn = turn_so_far(body["messages"])
    results = {str(r.get("tool_use_id")): r for r in turn.results}
    for call in turn.calls:
        step, result = next_step(facts), results.get(str(call.get("id")))
        if step is None or result is None or not _is(call, step):
            return facts, False
        facts.absorb(step, result_text(result.get("content")), result.get("is_error") is True)
    return facts, True


def answer(facts: Facts) -> str:
    """The final text: each call and how it went, a number the results printed, and why it stopped."""
    done = facts.done
    if not done:
        return f"{LABEL} I made no calls in this turn."
    lines = [f"{n}. {_line(d)}" for n, d in enumerate(done, 1)]
    head = f"{LABEL} I ran {len(done)} call{'s' if len(done) != 1 else ''} in your kernel:"
    return "\n".join([head, "", *lines, "", _ending(facts)])


def _line(done: Done) -> str:
    if done.not_run:
        return f"{done.step.did}: **not run** ({quote(done.text, ERROR_CHARS)})"
    if done.error:
        return f"{done.step.did}: **failed** with `{_last_line(done.text)}`"
    return done.step.did


def _ending(facts: Facts) -> str:
    """The number quoted from the results, then why the agent stopped."""
    stated = [_stated(d) for d in facts.done if not d.error]
    said = next((s for s in reversed(stated) if s), "")
    plotted = any(d.step.kind == PLOT and not d.error for d in facts.done)
    tail = " The chart is in the output below." if plotted else ""
    if any(d.not_run for d in facts.done):
        return f"{said}{tail} A call did not run (it was denied), so I stopped there; nothing after it ran.".strip()
    if any(d.error for d in facts.done):
        return f"{said} A call failed, so I stopped rather than guess; ask again naming the columns to use.".strip()
    if facts.frame is None:
        return "I found no DataFrame in the notebook and no .csv path in your question; name one and ask again."
    return (said or f"`{facts.frame}` is ready.") + tail


def _stated(done: Done) -> str:
    """A sentence quoting a number the call printed: the sum or mean it stated, else the frame's shape."""
    stated = _STATED.search(done.text) if done.step.kind == COMPUTE else None
    if stated:
        return f"From the results: the {stated.group(1)} over all rows is **{stated.group(2)}**."
    shape = _SHAPE.search(done.text)
    if shape and done.step.frame:
        return f"From the results: `{done.step.frame}` has **{shape.group(1)}** rows and {shape.group(2)} columns."
    return ""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return quote(lines[-1] if lines else text, ERROR_CHARS).replace("`", "'")


def _is(call: Dict, step: Step) -> bool:
    code = call.get("input", {}).get("code") if isinstance(call.get("input"), dict) else None
    return call.get("name") == AGENT_TOOL and code == step.code


def _fit(body: Dict, blocks: list[Dict], stop: str) -> tuple[list[Dict], str]:
    """The blocks when they fit `max_tokens`; else the text cut to it, with no call, stopping at max_tokens."""
    budget = int(body["max_tokens"])
    if estimate_tokens("".join(map(_payload, blocks))) <= budget:
        return blocks, stop
    text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")[: budget * CHARS_PER_TOKEN]
    return ([{"type": "text", "text": text}] if text else []), "max_tokens"


def _payload(block: Dict) -> str:
    if block.get("type") == "tool_use":
        return json.dumps(block.get("input", {}), separators=(",", ":"))
    return str(block.get("text", ""))
