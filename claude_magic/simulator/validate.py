"""Request checks in the order the API applies them; each failure raises an ApiError."""

from __future__ import annotations

import json
from typing import Any

from ..core.models import (
    ADAPTIVE,
    BETWEEN_TOOLS,
    DISABLED,
    EFFORTS,
    ENABLED,
    MIN_THINKING_BUDGET,
    ModelInfo,
)
from .code_execution import check_code_execution
from .conversation import check_conversation, is_paused, merge_turns
from .errors import ApiError, invalid, not_found
from .limits import check_attachments
from .registry import model_info
from .structured import check_output_format
from .tools import check_countable, check_tools

MAX_BODY_BYTES = 32 * 1024 * 1024  # Messages and count_tokens reject bodies over 32 MB (413)
API_VERSIONS = ("2026-10-21", "2023-06-01")
REMOVED_PARAMS = ("temperature", "top_p", "top_k")  # removed in API version 2026-10-21
ROLES = ("user", "assistant", "system")
DISPLAYS = ("summarized", "omitted")
AUTH_MESSAGE = "Missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`."
PREFILL_MESSAGE = (
    "This model does not support assistant message prefill. The conversation must end with a user message."
)
_UNSUPPORTED_THINKING = {
    ENABLED: '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" '
    'and "output_config.effort" to control thinking behavior.',
    ADAPTIVE: "adaptive thinking is not supported on this model",
    DISABLED: '"thinking.type.disabled" is not supported for this model: it always thinks. '
    'Omit "thinking" or use "thinking.type.adaptive".',
    BETWEEN_TOOLS: '"thinking.type.between_tools" is not supported for this model.',
}

Body = dict[str, Any]


def check_auth(headers: dict[str, str]) -> None:
    """Accept `Authorization: Bearer <key>` or `x-api-key: <key>`; anything else is a 401."""
    bearer = headers.get("authorization", "")
    if bearer[:7].lower() == "bearer " and bearer[7:].strip():
        return
    if headers.get("x-api-key", "").strip():
        return
    raise ApiError(401, "authentication_error", AUTH_MESSAGE)


def check_version(headers: dict[str, str]) -> None:
    """A missing `anthropic-version` is accepted; an unknown one is a 400."""
    version = headers.get("anthropic-version")
    if version is not None and version not in API_VERSIONS:
        raise invalid(f"anthropic-version: {version!r} is not a valid version")


def check_size(length: int) -> None:
    """Reject bodies over the 32 MB request cap with a 413."""
    if length > MAX_BODY_BYTES:
        raise ApiError(413, "request_too_large", "Request exceeds the maximum allowed number of bytes.")


def parse_body(raw: bytes) -> Body:
    """The body as a JSON object, or a 400."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise invalid("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    return body


def validate_create(body: Body) -> ModelInfo:
    """Every check on a `POST /v1/messages` body, in API order; returns the model's entry."""
    _check_removed_params(body)
    _check_required(body, ("model", "max_tokens", "messages"))
    _check_max_tokens(body["max_tokens"])
    _check_messages(body["messages"])
    info = _check_model(body["model"])
    check_conversation(body["messages"])
    check_code_execution(body, merge_turns(body["messages"]))
    _check_prefill(body["messages"], info, body.get("thinking"))
    _check_thinking(body.get("thinking"), info, body["max_tokens"])
    _check_effort(body.get("output_config"), info)
    check_tools(body)
    check_output_format(body)
    _check_output_limit(body["max_tokens"], info)
    _check_blocks(body["messages"])
    check_attachments(body["messages"], info)
    if body.get("stream") is True and body["max_tokens"] == 0:
        raise invalid("max_tokens: 0 (cache pre-warming) cannot be combined with stream: true")
    return info


def validate_count(body: Body) -> ModelInfo:
    """The Messages checks that apply without `max_tokens`, then count_tokens' own refusals."""
    _check_removed_params(body)
    _check_required(body, ("model", "messages"))
    _check_messages(body["messages"])
    info = _check_model(body["model"])
    check_conversation(body["messages"])
    _check_prefill(body["messages"], info, body.get("thinking"))
    _check_thinking(body.get("thinking"), info, None)
    _check_effort(body.get("output_config"), info)
    check_tools(body)
    check_output_format(body)
    _check_blocks(body["messages"])
    check_attachments(body["messages"], info)
    check_countable(body)
    return info


def _check_removed_params(body: Body) -> None:
    for name in REMOVED_PARAMS:
        if name in body:
            raise invalid(f"{name}: Extra inputs are not permitted")


def _check_required(body: Body, names: tuple[str, ...]) -> None:
    for name in names:
        if name not in body:
            raise invalid(f"{name}: Field required")


def _check_max_tokens(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid("max_tokens: Input should be a non-negative integer")


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list):
        raise invalid("messages: Input should be a valid list")
    if not messages:
        raise invalid("messages: at least one message is required")
    for i, message in enumerate(messages):
        _check_message(i, message)


def _check_message(i: int, message: Any) -> None:
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        raise invalid(f"messages.{i}.role: Input should be 'user', 'assistant' or 'system'")
    if not isinstance(message.get("content"), (str, list)):
        raise invalid(f"messages.{i}.content: Input should be a valid string or list of content blocks")


def _check_model(model: Any) -> ModelInfo:
    if not isinstance(model, str):
        raise invalid("model: Input should be a valid string")
    if not model.startswith("claude-"):
        raise not_found(f"model: {model}")
    return model_info(model)


def _check_prefill(messages: list[Any], info: ModelInfo, thinking: Any) -> None:
    """Prefill is a 400 on Claude 4.6+ (the models with adaptive thinking) and with thinking on.

    A conversation that ends on a paused assistant turn (server tool use awaiting its result) is a
    continuation, not a prefill.
    """
    if messages[-1]["role"] != "assistant" or is_paused(merge_turns(messages)):
        return
    thinking_on = isinstance(thinking, dict) and thinking.get("type") in (ADAPTIVE, ENABLED)
    if info.accepts(ADAPTIVE) or thinking_on:
        raise invalid(PREFILL_MESSAGE)


def _check_thinking(thinking: Any, info: ModelInfo, max_tokens: int | None) -> None:
    if thinking is None:
        return
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind not in _UNSUPPORTED_THINKING:
        raise invalid("thinking.type: Input should be 'adaptive', 'enabled', 'disabled' or 'between_tools'")
    if not info.accepts(kind):
        raise invalid(_UNSUPPORTED_THINKING[kind])
    if kind == ENABLED:
        _check_budget(thinking.get("budget_tokens"), max_tokens)
    if thinking.get("display", "omitted") not in DISPLAYS:
        raise invalid("thinking.display: Input should be 'summarized' or 'omitted'")


def _check_budget(budget: Any, max_tokens: int | None) -> None:
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise invalid("thinking.enabled.budget_tokens: Field required (an integer)")
    if budget < MIN_THINKING_BUDGET:
        raise invalid(f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_THINKING_BUDGET}")
    if max_tokens is not None and budget >= max_tokens:
        raise invalid("max_tokens must be greater than thinking.budget_tokens")


def _check_effort(output_config: Any, info: ModelInfo) -> None:
    if not isinstance(output_config, dict) or "effort" not in output_config:
        return
    if output_config["effort"] not in EFFORTS:
        raise invalid("output_config.effort: Input should be " + ", ".join(repr(e) for e in EFFORTS))
    if not info.effort:
        raise invalid(f"output_config.effort: effort is not supported on {info.id}")


def _check_output_limit(max_tokens: int, info: ModelInfo) -> None:
    if max_tokens > info.max_output:
        raise invalid(
            f"max_tokens: {max_tokens} > {info.max_output}, which is the maximum allowed "
            f"number of output tokens for {info.id}"
        )


def _check_blocks(messages: list[Any]) -> None:
    for i, message in enumerate(messages):
        if isinstance(message["content"], list):
            _check_message_blocks(i, message["role"], message["content"])


def _check_message_blocks(i: int, role: str, blocks: list[Any]) -> None:
    for j, block in enumerate(blocks):
        if role == "assistant" and _is_type(block, "document"):
            raise invalid(f"messages.{i}.content.{j}: document blocks are not permitted in assistant messages")
        if role == "user" and _has_citations(block):
            raise invalid(f"messages.{i}.content.{j}: text blocks in user messages cannot carry citations")
        if _is_type(block, "tool_use") and not isinstance(block.get("input"), dict):
            # The SDK types it Dict[str, object]; the message's wording is unverified (no recording has it).
            raise invalid(f"messages.{i}.content.{j}.tool_use.input: Input should be a valid dictionary")


def _has_citations(block: Any) -> bool:
    """True for a text block with non-empty citations, at any depth (e.g. inside search_result)."""
    if not isinstance(block, dict):
        return False
    if block.get("type") == "text" and block.get("citations"):
        return True
    inner = block.get("content")
    return isinstance(inner, list) and any(_has_citations(b) for b in inner)


def _is_type(block: Any, kind: str) -> bool:
    return isinstance(block, dict) and block.get("type") == kind
