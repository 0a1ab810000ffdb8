"""Conversation validity: roles, non-empty content, tool_use/tool_result pairing, server tools, signatures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .code_execution import called_sources
from .errors import invalid
from .signing import issued_here, redacted_is_genuine, thinking_is_genuine

FIRST_ROLE_MESSAGE = 'messages: first message must use the "user" role'
EMPTY_CONTENT = "all messages must have non-empty content except for the optional final assistant message"
EMPTY_TEXT = "text content blocks must be non-empty"
BLANK_TEXT = "text content blocks must contain non-whitespace text"
MODIFIED_THINKING = (
    "`thinking` or `redacted_thinking` blocks in the latest assistant message cannot be modified. "
    "These blocks must remain as they were in the original response."
)
# Rules no recorded response confirms yet, by name: the simulator applies them with the message of the
# confirmed rule they extend, until a recording (tests/fixtures/recorded/SOURCES.md) shows the real answer.
UNVERIFIED = {
    "empty_text_in_tool_result": f"an empty text block inside a tool_result's content: 400, {EMPTY_TEXT!r}",
}
Entry = tuple[str, dict[str, Any]]  # (where, block), where = "messages.i.content.j"


@dataclass
class Turn:
    """Consecutive messages of one role, merged as the API merges them."""

    role: str
    first: int
    entries: list[Entry] = field(default_factory=list)

    def ids(self, kind: str) -> dict[str, str]:
        """{id: where} of this turn's blocks of type `kind` (tool_use or server_tool_use)."""
        return {str(b.get("id")): w for w, b in self.entries if b.get("type") == kind}


def check_conversation(messages: list[dict[str, Any]]) -> None:
    """400 on the first rule the conversation breaks, in the order the API checks them."""
    if messages[0]["role"] != "user":
        raise invalid(FIRST_ROLE_MESSAGE)
    for i, message in enumerate(messages):
        _check_content(i, message, final=i == len(messages) - 1)
    turns = merge_turns(messages)
    for k, turn in enumerate(turns):
        _check_turn(turns, k, turn)


def merge_turns(messages: list[dict[str, Any]]) -> list[Turn]:
    """User and assistant turns; mid-conversation system messages sit between turns without splitting them."""
    turns: list[Turn] = []
    for i, message in enumerate(messages):
        if message["role"] == "system":
            continue
        if not turns or turns[-1].role != message["role"]:
            turns.append(Turn(message["role"], i))
        turns[-1].entries += [(f"messages.{i}.content.{j}", b) for j, b in enumerate(_blocks(message["content"]))]
    return turns


def is_paused(turns: list[Turn]) -> bool:
    """The conversation ends on an assistant turn whose server tool use has no result yet (pause_turn)."""
    return bool(turns) and turns[-1].role == "assistant" and bool(_unanswered_server_tools(turns[-1]))


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)]


def _check_content(i: int, message: dict[str, Any], final: bool) -> None:
    content = message["content"]
    if not content:
        if final and message["role"] == "assistant":
            return
        raise invalid(f"messages.{i}: {EMPTY_CONTENT}")
    if isinstance(content, str):
        _check_text(f"messages.{i}.content", content, final and message["role"] == "assistant")
        return
    for j, block in enumerate(content):
        if isinstance(block, dict) and block.get("type") == "text":
            _check_text(f"messages.{i}.content.{j}.text", block.get("text"), False)
        if isinstance(block, dict) and block.get("type") == "tool_result":
            _check_result_text(f"messages.{i}.content.{j}.content", block.get("content"))


def _check_result_text(where: str, content: Any) -> None:
    """UNVERIFIED["empty_text_in_tool_result"]: a tool_result's text blocks are non-empty, as a message's are."""
    for k, inner in enumerate(content if isinstance(content, list) else ()):
        if isinstance(inner, dict) and inner.get("type") == "text" and inner.get("text") == "":
            raise invalid(f"{where}.{k}.text: {EMPTY_TEXT}")


def _check_text(where: str, text: Any, prefill: bool) -> None:
    if not isinstance(text, str) or text == "":
        raise invalid(f"{where}: {EMPTY_TEXT}")
    if not text.strip() and not prefill:
        raise invalid(f"{where}: {BLANK_TEXT}")


def _check_turn(turns: list[Turn], k: int, turn: Turn) -> None:
    if turn.role == "assistant":
        _check_signatures(turn, latest=turn is _last_assistant(turns))
        if k + 1 < len(turns):
            _check_answered(turn, turns[k + 1])
            _check_server_tools(turn)
    else:
        _check_results_match(turn, turns[k - 1] if k > 0 else None)


def _last_assistant(turns: list[Turn]) -> Turn | None:
    return next((t for t in reversed(turns) if t.role == "assistant"), None)


def _check_answered(assistant: Turn, reply: Turn) -> None:
    """Every tool_use needs a tool_result among the blocks that open the next user turn."""
    leading: set[str] = set()
    for _, block in reply.entries:
        if block.get("type") != "tool_result":
            break
        leading.add(str(block.get("tool_use_id")))
    missing = [i for i in assistant.ids("tool_use") if i not in leading]
    if missing:
        raise invalid(
            f"messages.{assistant.first}: `tool_use` ids were found without `tool_result` blocks immediately "
            f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block "
            "in the next message."
        )


def _check_results_match(user: Turn, previous: Turn | None) -> None:
    used = previous.ids("tool_use") if previous is not None else {}
    for where, block in user.entries:
        if block.get("type") == "tool_result" and str(block.get("tool_use_id")) not in used:
            raise invalid(
                f"{where}: unexpected `tool_use_id` found in `tool_result` blocks: {block.get('tool_use_id')}. "
                "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
            )


def _check_server_tools(turn: Turn) -> None:
    """Outside the final assistant turn, every server tool use has its result block in the same turn.

    A code execution that called client tools in this turn is waiting for their results: its own result
    comes in a later assistant turn.
    """
    waiting = called_sources(turn.entries)
    for tool_id, where in _unanswered_server_tools(turn).items():
        if tool_id in waiting:
            continue
        raise invalid(
            f"{where}: `server_tool_use` block with id `{tool_id}` was found without a corresponding "
            "result block (e.g. `web_search_tool_result`) after it"
        )


def _unanswered_server_tools(turn: Turn) -> dict[str, str]:
    answered = {str(b.get("tool_use_id")) for _, b in turn.entries if _is_server_result(b)}
    return {i: w for i, w in turn.ids("server_tool_use").items() if i not in answered}


def _is_server_result(block: dict[str, Any]) -> bool:
    kind = str(block.get("type"))
    return kind.endswith("_tool_result") and kind != "tool_result"


def _check_signatures(turn: Turn, latest: bool) -> None:
    for where, block in turn.entries:
        if _genuine(block):
            continue
        if latest:
            raise invalid(f"{where}: {MODIFIED_THINKING}")
        raise invalid(f"{where}.signature: Invalid `signature` in `thinking` block")


def _genuine(block: dict[str, Any]) -> bool:
    kind = block.get("type")
    if not issued_here(block.get("signature") if kind == "thinking" else block.get("data")):
        return True  # issued by the real API (a recording): only the real API can verify it
    if kind == "thinking":
        return thinking_is_genuine(str(block.get("thinking", "")), block.get("signature"))
    if kind == "redacted_thinking":
        return redacted_is_genuine(block.get("data"))
    return True
