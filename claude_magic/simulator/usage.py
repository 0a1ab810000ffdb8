"""Token estimates and the `usage` objects of a reply; the one place usage is computed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tokens import IMAGE_TOKENS as IMAGE_TOKENS
from .tokens import PDF_PAGE_TOKENS as PDF_PAGE_TOKENS
from .tokens import size_of, to_tokens

if TYPE_CHECKING:
    from ..core.models import ModelInfo
    from .cache import PromptCache


def estimate_input_tokens(body: dict[str, Any]) -> int:
    """ceil(chars of text in system, messages and tools / 4), plus a flat cost per image and PDF page."""
    parts = [body.get("system"), body.get("messages"), body.get("tools")]
    chars, media = 0, 0
    for part in parts:
        part_chars, part_media = size_of(part)
        chars, media = chars + part_chars, media + part_media
    return max(1, to_tokens(chars, media))


def cached_input_usage(
    cache: PromptCache, body: dict[str, Any], info: ModelInfo, msg_id: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The input side of `usage` with prompt caching applied, and the `diagnostics` to return."""
    return cache.process(body, info, estimate_input_tokens(body), msg_id)


def usage_meta(body: dict[str, Any]) -> dict[str, Any]:
    """The non-token fields every usage carries: server tool counts, service tier, inference region."""
    return {
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
        "service_tier": "standard",
        "inference_geo": body.get("inference_geo") or "global",
    }


def start_usage(inputs: dict[str, Any]) -> dict[str, Any]:
    """`message_start.message.usage`: the input side and usage meta, one output token so far."""
    return {**inputs, "output_tokens": 1}


def final_usage(
    inputs: dict[str, Any], output_tokens: int, thinking_tokens: int | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The complete `usage` of a finished non-streaming message."""
    usage = {**inputs, "output_tokens": output_tokens}
    if thinking_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    return {**usage, **(extra or {})}


def delta_usage(
    inputs: dict[str, Any], output_tokens: int, thinking_tokens: int | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`message_delta.usage`: cumulative totals in the `MessageDeltaUsage` fields, plus script extras."""
    usage = {k: v for k, v in inputs.items() if k in DELTA_FIELDS}
    usage["output_tokens"] = output_tokens
    if thinking_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    return {**usage, **(extra or {})}


DELTA_FIELDS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "server_tool_use")
