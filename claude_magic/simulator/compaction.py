"""Threshold compaction (beta `compact-2026-01-12`): the edit's checks, returned compaction blocks, compacting.

A request whose input passes the edit's trigger gets a `compaction` block first: a summary of every
message but the last, sealed so that only it, unchanged, is accepted back. A request that carries a
compaction block is answered as if the messages before it were that summary. Usage reports the
summarising call and the answering call as `iterations`; the top-level counts are the answer's only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .blocks import streamed
from .errors import ApiError, invalid
from .prompt import quote
from .replies import Reply
from .signing import compaction_problem, issued_here, seal_compaction
from .tokens import estimate_tokens
from .usage import estimate_input_tokens

COMPACT_BETA = "compact-2026-01-12"
EDIT_TYPE = "compact_20260112"
DEFAULT_TRIGGER = 150_000
_EDIT_FIELDS = ("type", "trigger", "pause_after_compaction", "instructions")
Body = dict[str, Any]


@dataclass(frozen=True)
class Compacting:
    """What a request's reply is computed from, and the compaction to emit first (if any)."""

    body: Body  # the request with the messages before its last compaction block replaced by the summary
    summary: str | None = None  # a new compaction's summary
    replaced_tokens: int = 0  # input the new compaction read


def plan(body: Body, betas: frozenset[str]) -> Compacting:
    """Check the edit and the returned blocks, then decide whether this request compacts."""
    edit = _edit(body, betas)
    _check_blocks(body["messages"], betas)
    effective = {**body, "messages": _after_last_compaction(body["messages"])}
    if edit is None or len(effective["messages"]) < 2:
        return Compacting(effective)
    trigger = (edit.get("trigger") or {}).get("value", DEFAULT_TRIGGER)
    read = estimate_input_tokens(effective)
    if read < trigger:
        return Compacting(effective)
    summary = _summary(effective["messages"][:-1])
    kept = [_summary_message(summary), effective["messages"][-1]]
    return Compacting({**effective, "messages": kept}, summary, read)


def with_compaction(reply: Reply, compacting: Compacting, inputs: dict[str, Any]) -> Reply:
    """`reply` led by the new compaction block, its usage carrying both iterations."""
    if compacting.summary is None:
        return reply
    sealed = seal_compaction(compacting.summary)
    final = {"type": "compaction", "content": compacting.summary, "encrypted_content": sealed}
    summarising = _iteration("compaction", compacting.replaced_tokens, estimate_tokens(compacting.summary))
    answering = {**_iteration("message", 0, reply.output_tokens), **_input_side(inputs)}
    usage = {**reply.usage, "iterations": [summarising, answering]}
    return replace(reply, blocks=(streamed(final, 0), *reply.blocks), usage=usage)


def _edit(body: Body, betas: frozenset[str]) -> dict[str, Any] | None:
    """The compact edit of `context_management`, or None; any other shape is a 400."""
    if "context_management" not in body:
        return None
    if COMPACT_BETA not in betas:
        raise invalid("context_management: Extra inputs are not permitted")
    config = body["context_management"]
    edits = config.get("edits") if isinstance(config, dict) else None
    if not isinstance(edits, list):
        raise invalid("context_management.edits: Input should be a valid list")
    found = None
    for i, edit in enumerate(edits):
        if not isinstance(edit, dict) or edit.get("type") != EDIT_TYPE:
            raise invalid(f"context_management.edits.{i}.type: this simulator implements only '{EDIT_TYPE}'")
        _check_edit(i, edit)
        found = edit
    return found


def _check_edit(i: int, edit: dict[str, Any]) -> None:
    for key in edit:
        if key not in _EDIT_FIELDS:
            raise invalid(f"context_management.edits.{i}.{key}: Extra inputs are not permitted")
    trigger = edit.get("trigger")
    if trigger is None:
        return
    value = trigger.get("value") if isinstance(trigger, dict) else None
    if not isinstance(trigger, dict) or trigger.get("type") != "input_tokens":
        raise invalid(f"context_management.edits.{i}.trigger.type: Input should be 'input_tokens'")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(f"context_management.edits.{i}.trigger.value: Input should be a positive integer")


def _check_blocks(messages: list[Any], betas: frozenset[str]) -> None:
    """Compaction blocks: only with the beta, only in assistant turns, and exactly as issued."""
    for i, message in enumerate(messages):
        blocks = message["content"] if isinstance(message["content"], list) else []
        for j, block in enumerate(blocks):
            if isinstance(block, dict) and block.get("type") == "compaction":
                _check_block(f"messages.{i}.content.{j}", message["role"], block, betas)


def _check_block(where: str, role: str, block: dict[str, Any], betas: frozenset[str]) -> None:
    if COMPACT_BETA not in betas:
        raise invalid(f"{where}.type: 'compaction' blocks need the anthropic-beta header {COMPACT_BETA}")
    if role != "assistant":
        raise _coded(f"{where}: compaction blocks may only appear in assistant messages", "compaction_block_misplaced")
    content = block.get("content")
    if content == "":
        raise invalid(f"{where}.content: Empty string content is not allowed; send null for a failed compaction")
    sealed = block.get("encrypted_content")
    if not issued_here(sealed):
        return  # issued by the real API (a recording): only the real API can verify it
    problem = compaction_problem(content, sealed)
    if problem is not None:
        raise _coded(f"{where}: the compaction block was not sent back as the API returned it", problem)


def _coded(message: str, code: str) -> ApiError:
    return ApiError(400, "invalid_request_error", message, details={"error_code": code})


def _after_last_compaction(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages the model sees: everything before the last compaction block becomes its summary."""
    for i in range(len(messages) - 1, -1, -1):
        blocks = messages[i]["content"] if isinstance(messages[i]["content"], list) else []
        for j in range(len(blocks) - 1, -1, -1):
            block = blocks[j]
            if isinstance(block, dict) and block.get("type") == "compaction" and block.get("content"):
                rest = blocks[j + 1 :]
                tail = [{**messages[i], "content": rest}] if rest else []
                return [_summary_message(str(block["content"])), *tail, *messages[i + 1 :]]
    return messages


def _summary(messages: list[dict[str, Any]]) -> str:
    """A deterministic stand-in summary: how much was condensed, and how the conversation began."""
    first = messages[0]["content"]
    text = first if isinstance(first, str) else " ".join(str(b.get("text", "")) for b in first if isinstance(b, dict))
    return (
        f"Summary of the {len(messages)} earlier messages (simulated compaction). "
        f'The conversation began with: "{quote(text, 60)}"'
    )


def _summary_message(summary: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": summary}]}


def _iteration(kind: str, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "type": kind,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
    }


def _input_side(inputs: dict[str, Any]) -> dict[str, Any]:
    keys = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    return {key: int(inputs.get(key) or 0) for key in keys}
