"""Settings + chat history + the new user blocks -> keyword arguments for `messages.stream()`."""

from __future__ import annotations

from typing import Any

from .models import ADAPTIVE, lookup
from .settings import COMPACT_BETA, Settings


def build_request(
    settings: Settings,
    history: list[dict[str, Any]],
    user_content: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The request body for one call, without `stream` (the SDK's stream() adds it)."""
    request: dict[str, Any] = {
        "model": settings.model,
        "max_tokens": settings.max_tokens,
        "messages": [*history, {"role": "user", "content": user_content}],
    }
    if tools:
        request["tools"] = list(tools)
    if settings.system:
        request["system"] = settings.system
    thinking = thinking_param(settings)
    if thinking is not None:
        request["thinking"] = thinking
    if settings.effort:
        request["output_config"] = {"effort": settings.effort}
    if settings.user_id:
        request["metadata"] = {"user_id": settings.user_id}
    if settings.compact_at is not None:
        request["context_management"] = {"edits": [compaction_edit(settings.compact_at)]}
    betas = betas_for(settings, request["messages"])
    if betas:
        request["betas"] = betas  # a keyword of client.beta.messages.stream(): the SDK sends it as anthropic-beta
    return request


def with_container(request: dict[str, Any], container: str | None) -> dict[str, Any]:
    """`request` naming the code-execution `container` (by id), or naming none when it is None."""
    named = {key: value for key, value in request.items() if key != "container"}
    if container:
        named["container"] = container
    return named


def compaction_edit(trigger: int) -> dict[str, Any]:
    """The context-management edit that compacts the context once the input reaches `trigger` tokens."""
    return {"type": "compact_20260112", "trigger": {"type": "input_tokens", "value": trigger}}


def betas_for(settings: Settings, messages: list[dict[str, Any]]) -> list[str]:
    """The anthropic-beta values a request needs: the user's, plus compaction's when it is on or the
    history carries a compaction block (the API takes that block type only with its beta)."""
    betas = list(dict.fromkeys(settings.betas))
    compacting = settings.compact_at is not None or any(map(_has_compaction, messages))
    if compacting and COMPACT_BETA not in betas:
        betas.append(COMPACT_BETA)
    return betas


def _has_compaction(message: dict[str, Any]) -> bool:
    content = message.get("content")
    return isinstance(content, list) and any(block.get("type") == "compaction" for block in content)


def merge_body(request: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """`request` with `body`'s fields added; nested dicts (output_config) are merged one level deep."""
    merged = dict(request)
    for key, value in body.items():
        current = merged.get(key)
        merged[key] = {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value
    return merged


def thinking_param(settings: Settings) -> dict[str, Any] | None:
    """The `thinking` field for these settings, or None to leave the model's default."""
    mode = settings.thinking
    if mode == "off":
        return {"type": "disabled"}
    if isinstance(mode, int):
        param: dict[str, Any] = {"type": "enabled", "budget_tokens": mode}
    elif mode == "adaptive" or (mode == "auto" and settings.show_thinking and _adaptive_ok(settings.model)):
        param = {"type": "adaptive"}
    else:
        return None
    if settings.show_thinking:
        # Current models omit thinking text unless asked for a summary.
        param["display"] = "summarized"
    return param


def _adaptive_ok(model: str) -> bool:
    info = lookup(model)
    return info is None or info.accepts(ADAPTIVE)


def text_block(text: str) -> dict[str, Any]:
    """A user text content block."""
    return {"type": "text", "text": text}
