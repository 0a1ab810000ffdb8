"""What the default reply does with tools: report tool results, call the client's tools, or run web tools."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .blocks import tool_id
from .conversation import merge_turns
from .prompt import LABEL, fingerprint, plural, prompt_of, quote
from .schema import hints_from, instance
from .structured import output_format
from .tools import WEB_FETCH, WEB_SEARCH, choice_of, custom_tools, server_tool
from .web_tools import urls_in, used_in_turn, web_fetch, web_search

RESULT_CHARS = 60
Dict = dict[str, Any]


@dataclass(frozen=True)
class Acted:
    """The final blocks of a reply that uses tools, its stop reason, and its usage additions."""

    blocks: list[Dict]
    stop_reason: str
    usage: Dict = field(default_factory=dict)


def tool_reply(body: Dict) -> Acted | None:
    """The reply when tools decide it; None leaves the reply to plain text (or the structured output)."""
    results = opening_results(body["messages"])
    if results:
        return None if output_format(body) is not None else Acted([_results_text(body, results)], "end_turn")
    choice = choice_of(body)
    if choice["type"] == "none":
        return None
    calls = chosen_tools(body, choice)
    if calls:
        return Acted(_tool_uses(body, calls, forced=choice["type"] != "auto"), "tool_use")
    return _web_reply(body, choice)


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
        chosen = [t for t in tools if named_in(t["name"], prompt)] or (tools[:1] if choice["type"] == "any" else [])
    return chosen[:1] if choice.get("disable_parallel_tool_use") else chosen


def named_in(name: str, prompt: str) -> bool:
    """The tool's name stands in the prompt as a word of its own."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", prompt) is not None


def _tool_uses(body: Dict, tools: list[Dict], forced: bool) -> list[Dict]:
    """A short text (none when tool use is forced, as the API prefills), then one tool_use per tool."""
    prompt = prompt_of(body)[0]
    hints = hints_from(prompt)
    seed = f"{fingerprint(prompt)}:{len(body['messages'])}"
    uses = [
        {
            "type": "tool_use",
            "id": tool_id("tool_use", f"{seed}:{tool['name']}"),
            "name": tool["name"],
            "input": instance(tool["input_schema"], tool["input_schema"], hints),
        }
        for tool in tools
    ]
    names = " and ".join(str(t["name"]) for t in tools)
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


def _results_text(body: Dict, results: list[Dict]) -> Dict:
    """A text block listing what each tool returned, errors marked."""
    names = _tool_names(body["messages"])
    lines = [_result_line(names.get(str(r.get("tool_use_id")), "tool"), r) for r in results]
    head = f"{LABEL} The tools returned {plural(len(results), 'result')}:"
    return {"type": "text", "text": "\n".join([head, "", *lines])}


def _result_line(name: str, result: Dict) -> str:
    mark = " (error)" if result.get("is_error") else ""
    return f'- `{name}`{mark}: "{quote(_result_text(result.get("content")), RESULT_CHARS)}"'


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts = [str(b.get("text", "")) if b.get("type") == "text" else f"[{b.get('type')}]" for b in content]
    return " ".join(parts)


def _tool_names(messages: list[Dict]) -> dict[str, str]:
    """{tool_use id: tool name} over every assistant message."""
    names: dict[str, str] = {}
    for message in messages:
        if message.get("role") == "assistant" and isinstance(message.get("content"), list):
            uses = [b for b in message["content"] if b.get("type") == "tool_use"]
            names.update({str(b.get("id")): str(b.get("name")) for b in uses})
    return names
