"""What the default reply does with tools: report tool results, call the client's tools, play an agent, or search."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .agent_reply import AGENT_TOOL, agent_turn, offers_python
from .blocks import tool_id
from .conversation import merge_turns
from .prompt import fingerprint, prompt_of
from .schema import fill_from, hints_from, instance
from .structured import output_format
from .tool_chain import TurnSoFar, answer_text, last_number, next_calls, ordered_by_mention, tool_names, turn_so_far
from .tools import WEB_FETCH, WEB_SEARCH, choice_of, custom_tools, server_tool
from .web_tools import urls_in, used_in_turn, web_fetch, web_search

Dict = dict[str, Any]


@dataclass(frozen=True)
class Acted:
    """The final blocks of a reply that uses tools, its stop reason, and its usage additions."""

    blocks: list[Dict]
    stop_reason: str
    usage: Dict = field(default_factory=dict)


def tool_reply(body: Dict) -> Acted | None:
    """The reply when tools decide it; None leaves the reply to plain text (or the structured output)."""
    choice = choice_of(body)
    if plays_agent(body, choice):
        blocks, stop = agent_turn(body, may_call=choice["type"] != "none", forced=choice["type"] != "auto")
        return Acted(blocks, stop)
    if opening_results(body["messages"]):
        return None if output_format(body) is not None else _after_results(body, choice)
    if choice["type"] == "none":
        return None
    calls = chosen_tools(body, choice)
    if calls:
        planned = next_calls(calls, hints_from(prompt_of(body)[0]), None, first_round=True)
        return Acted(_tool_uses(body, planned, forced=choice["type"] != "auto"), "tool_use")
    return _web_reply(body, choice)


def plays_agent(body: Dict, choice: Dict) -> bool:
    """The agent plays when `python` is offered and may be (or was) called, no format asked, no other tool named."""
    if output_format(body) is not None or not offers_python(body):
        return False
    if choice["type"] == "tool" and choice.get("name") != AGENT_TOOL:
        return False
    if choice["type"] == "none" and not opening_results(body["messages"]):
        return False
    return not [t for t in chosen_tools(body, {"type": "auto"}) if t["name"] != AGENT_TOOL]


def _after_results(body: Dict, choice: Dict) -> Acted:
    """The next calls of the chain the question named, or, when it is done, the answer from the results."""
    turn = turn_so_far(body["messages"])
    if not turn.results:  # results of an earlier question open this one
        turn = TurnSoFar(turn.calls, opening_results(body["messages"]))
    called = {str(c.get("name")) for c in turn.calls}
    named = [t for t in chosen_tools(body, {"type": "auto"}) if t["name"] not in called]
    planned = next_calls(named, hints_from(prompt_of(body)[0]), last_number(turn.results), first_round=False)
    if planned and choice["type"] != "none":
        return Acted(_tool_uses(body, planned, forced=False), "tool_use")
    return Acted([{"type": "text", "text": answer_text(turn, tool_names(body["messages"]))}], "end_turn")


def opening_results(messages: list[Dict]) -> list[Dict]:
    """The tool_result blocks that open the final user turn (empty when it opens with anything else)."""
    turns = merge_turns(messages)
    if not turns or turns[-1].role != "user":
        return []
    results: list[Dict] = []
    for _, block in turns[-1].entries:
        if block.get("type") != "tool_result":
            break
        results.append(block)
    return results


def chosen_tools(body: Dict, choice: Dict) -> list[Dict]:
    """The client tools to call: the one `tool` names, those the prompt names, or the first one for `any`."""
    tools = custom_tools(body)
    if choice["type"] == "tool":
        chosen = [t for t in tools if t["name"] == choice.get("name")]
    else:
        prompt = prompt_of(body)[0]
        named = ordered_by_mention([t for t in tools if named_in(t["name"], prompt)], prompt)
        chosen = named or (tools[:1] if choice["type"] == "any" else [])
    return chosen[:1] if choice.get("disable_parallel_tool_use") else chosen


def named_in(name: str, prompt: str) -> bool:
    """The tool's name stands in the prompt as a word of its own."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", prompt) is not None


def _tool_uses(body: Dict, planned: list[tuple[Dict, Dict]], forced: bool) -> list[Dict]:
    """A short text (none when tool use is forced, as the API prefills), then one tool_use per tool."""
    prompt = prompt_of(body)[0]
    seed = f"{fingerprint(prompt)}:{len(body['messages'])}"
    uses = [
        {
            "type": "tool_use",
            "id": tool_id("tool_use", f"{seed}:{tool['name']}"),
            "name": tool["name"],
            "input": instance(tool["input_schema"], tool["input_schema"], fill_from(prompt, extra)),
        }
        for tool, extra in planned
    ]
    names = " and ".join(str(t["name"]) for t, _ in planned)
    return uses if forced else [{"type": "text", "text": f"I'll call {names}."}, *uses]


def _web_reply(body: Dict, choice: Dict) -> Acted | None:
    """web_fetch when the prompt holds a URL, else web_search, as the request's server tools allow."""
    if output_format(body) is not None:
        return None
    wanted = choice.get("name") if choice["type"] == "tool" else None
    prompt = prompt_of(body)[0]
    fetch, search = server_tool(body, WEB_FETCH), server_tool(body, WEB_SEARCH)
    if fetch is not None and wanted in (None, WEB_FETCH) and urls_in(prompt):
        blocks, usage = web_fetch(urls_in(prompt), fetch, used_in_turn(body["messages"], WEB_FETCH))
    elif search is not None and wanted in (None, WEB_SEARCH):
        blocks, usage = web_search(prompt, search, used_in_turn(body["messages"], WEB_SEARCH))
    else:
        return None
    return Acted(blocks, "end_turn", {"server_tool_use": usage})
