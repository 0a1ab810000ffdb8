"""Past turns -> the history a later request may carry: only what the API accepts goes back.

The API answers 400 to a history with an empty message, a blank text block, a `tool_use` whose
`tool_result` does not open the next user message, a `tool_result` without its `tool_use`, or a
`server_tool_use` without its result anywhere but in a final, paused assistant turn
(ANTHROPIC_API.md §14 item 11). A refused turn is left out, as the refusal docs advise.

A code execution that called client tools (programmatic tool calling: a `tool_use` whose `caller` names
it) waits for their results: it stays in its turn without a result, the user message answering it holds
only `tool_result` blocks, and the request names the reply's `container` (recorded in
tests/fixtures/recorded/programmatic_tool_calling.sse). A new prompt cannot share that message, so a chat
that moves on leaves an execution that never finished out of the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .tools import sendable_uses

Block = dict[str, Any]
Message = dict[str, Any]

NOT_RUN = "claude_magic ran no tool: this cell enabled none, so the call was not made."
_SERVER_RESULT_SUFFIX = "_tool_result"  # web_search_tool_result, web_fetch_tool_result, ...
_CODE_EXECUTION = "code_execution_"  # caller types: code_execution_20250825, code_execution_20260120, ...


def sendable_assistant_content(content: Sequence[Block]) -> list[Block]:
    """The reply's blocks as they may go back: blank text and server tool uses without a result removed,
    and tool inputs with numbers JSON cannot carry (NaN, infinity) sent with null in their place.

    A code execution that called client tools keeps its server tool use: its result comes in a later turn.
    """
    answered = {block.get("tool_use_id") for block in content if _is_server_result(block)}
    answered |= execution_sources(content)
    kept = [block for block in content if not _is_blank_text(block) and not _dangling_server_use(block, answered)]
    return list(sendable_uses(tuple(_with_object_input(block) for block in kept)))


def _with_object_input(block: Block) -> Block:
    """A tool use whose input is no JSON object (a broken or hostile reply) goes back with `{}`, as the API wants."""
    if block.get("type") != "tool_use" or isinstance(block.get("input"), dict):
        return block
    return {**block, "input": {}}


def caller_source(block: Block) -> str | None:
    """The id of the code execution that called this client `tool_use`, or None for a direct call."""
    caller = block.get("caller")
    if block.get("type") != "tool_use" or not isinstance(caller, dict):
        return None
    return str(caller.get("tool_id")) if str(caller.get("type", "")).startswith(_CODE_EXECUTION) else None


def execution_sources(content: Iterable[Block]) -> set[str]:
    """Ids of the code executions that the tool uses among these blocks were called from."""
    return {source for block in content if (source := caller_source(block)) is not None}


def awaits_execution(content: Iterable[Block]) -> bool:
    """True when a reply's tool uses were called by code execution, which waits for their results."""
    return bool(execution_sources(content))


def _is_blank_text(block: Block) -> bool:
    return block.get("type") == "text" and not str(block.get("text", "")).strip()


def _is_server_result(block: Block) -> bool:
    return str(block.get("type", "")).endswith(_SERVER_RESULT_SUFFIX) and "tool_use_id" in block


def _dangling_server_use(block: Block, answered: set[Any]) -> bool:
    return block.get("type") == "server_tool_use" and block.get("id") not in answered


def unanswered_tool_uses(content: Iterable[Block]) -> list[Block]:
    """The client `tool_use` blocks of an assistant turn; each needs a `tool_result` in the next user turn."""
    return [block for block in content if block.get("type") == "tool_use"]


def not_run_results(content: Iterable[Block], known: Iterable[Block] = ()) -> list[Block]:
    """A `tool_result` for each tool use: the `known` one for its id, else an error saying nothing ran."""
    by_id = {block.get("tool_use_id"): block for block in known}
    return [
        by_id.get(block["id"])
        or {"type": "tool_result", "tool_use_id": block["id"], "content": NOT_RUN, "is_error": True}
        for block in unanswered_tool_uses(content)
    ]


def unsent_results(results: Iterable[Block], reason: str) -> list[Block]:
    """An error `tool_result` in place of each of `results`, which the API's limits kept from being sent."""
    note = f"This result was not sent: the request with it broke a limit of the API ({reason})."
    return [
        {"type": "tool_result", "tool_use_id": block.get("tool_use_id"), "content": note, "is_error": True}
        for block in results
    ]


def history_messages(turns: Iterable[tuple[Sequence[Block], Sequence[Block], bool]]) -> list[Message]:
    """Messages for (user content, assistant content, refused) turns; refused or empty turns are left out.

    A left-out turn's leading tool_results move to the next kept turn, so the tool uses they answer
    stay answered.
    """
    messages: list[Message] = []
    carried: list[Block] = []
    for user, assistant, refused in turns:
        kept = sendable_assistant_content(assistant)
        if refused or not kept:
            carried += _leading_results(user)
            continue
        messages += [{"role": "user", "content": [*carried, *user]}, {"role": "assistant", "content": kept}]
        carried = []
    return _without_orphan_results(messages)


def pending_results(history: Sequence[Message], known: Iterable[Block] = ()) -> list[Block]:
    """The tool_results the next user turn must open with: one per tool use of the last assistant turn.

    `known` are results of tools that did run after that turn (a tool loop that stopped before sending them).
    """
    if not history or history[-1].get("role") != "assistant":
        return []
    return not_run_results(history[-1]["content"], known)


def without_unfinished_executions(history: Sequence[Message]) -> list[Message]:
    """`history` without code executions that never got a result: their server tool use, the tool uses they
    called and those tool uses' results. Messages left empty go, and same-role neighbours are joined."""
    assistant = [block for message in history if message["role"] == "assistant" for block in message["content"]]
    finished = {block.get("tool_use_id") for block in assistant if _is_server_result(block)}
    unfinished = execution_sources(assistant) - finished
    if not unfinished:
        return list(history)
    called = {block.get("id") for block in assistant if caller_source(block) in unfinished}
    messages: list[Message] = []
    for message in history:
        content = [block for block in message["content"] if not _of_unfinished(block, unfinished, called)]
        if content and messages and messages[-1]["role"] == message["role"]:
            messages[-1] = {**messages[-1], "content": [*messages[-1]["content"], *content]}
        elif content:
            messages.append({**message, "content": content})
    return messages


def _of_unfinished(block: Block, unfinished: set[str], called: set[Any]) -> bool:
    kind = block.get("type")
    if kind == "server_tool_use":
        return block.get("id") in unfinished
    if kind == "tool_use":
        return block.get("id") in called
    return kind == "tool_result" and block.get("tool_use_id") in called


def _leading_results(user: Sequence[Block]) -> list[Block]:
    results: list[Block] = []
    for block in user:
        if block.get("type") != "tool_result":
            break
        results.append(block)
    return results


def _without_orphan_results(messages: list[Message]) -> list[Message]:
    """A window that starts after a tool_use turn must not open with that turn's tool_results."""
    if not messages:
        return messages
    first = messages[0]
    content = [block for block in first["content"] if block.get("type") != "tool_result"]
    if len(content) == len(first["content"]):
        return messages
    if not content:
        return messages[2:]
    return [{**first, "content": content}, *messages[1:]]
