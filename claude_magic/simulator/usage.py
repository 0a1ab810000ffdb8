"""Token estimates and the `usage` objects of a reply; the one place usage is computed."""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

IMAGE_TOKENS = 1_600  # about a 1568 px long-edge image: ceil(w/28) * ceil(h/28)
PDF_PAGE_TOKENS = 2_000  # extracted text plus page image, per page
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def estimate_input_tokens(body: dict[str, Any]) -> int:
    """ceil(chars of text in system, messages and tools / 4), plus a flat cost per image and PDF page."""
    parts = [body.get("system"), body.get("messages"), body.get("tools")]
    chars, media = 0, 0
    for part in parts:
        part_chars, part_media = _measure(part)
        chars, media = chars + part_chars, media + part_media
    return max(1, math.ceil(chars / 4) + media)


def input_usage(body: dict[str, Any]) -> dict[str, Any]:
    """The input side of `usage` for a request; prompt caching will compute these fields later."""
    return {
        "input_tokens": estimate_input_tokens(body),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
    }


def text_tokens(text: str) -> int:
    """Output tokens for generated text: ceil(chars / 4)."""
    return math.ceil(len(text) / 4)


def start_usage(inputs: dict[str, Any]) -> dict[str, Any]:
    """`message_start.message.usage`: the input side, one output token so far."""
    return {**inputs, "output_tokens": 1, "service_tier": "standard"}


def final_usage(inputs: dict[str, Any], output_tokens: int, thinking_tokens: int | None) -> dict[str, Any]:
    """The complete `usage` of a finished non-streaming message."""
    usage = {**inputs, "output_tokens": output_tokens, "service_tier": "standard"}
    if thinking_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    return usage


def delta_usage(inputs: dict[str, Any], output_tokens: int, thinking_tokens: int | None) -> dict[str, Any]:
    """`message_delta.usage`: cumulative totals; `cache_creation` is not part of this shape."""
    usage = {k: v for k, v in inputs.items() if k != "cache_creation"}
    usage["output_tokens"] = output_tokens
    if thinking_tokens is not None:
        usage["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    return usage


def _measure(node: Any) -> tuple[int, int]:
    """(characters of text, media tokens) in a JSON value; images and PDFs cost flat tokens."""
    if isinstance(node, str):
        return len(node), 0
    if isinstance(node, list):
        sums = [_measure(item) for item in node]
        return sum(s[0] for s in sums), sum(s[1] for s in sums)
    if isinstance(node, dict):
        return _measure_dict(node)
    return (0, 0) if node is None else (len(str(node)), 0)


def _measure_dict(node: dict[str, Any]) -> tuple[int, int]:
    if node.get("type") == "image":
        return 0, IMAGE_TOKENS
    if node.get("type") == "document" and _is_pdf(node.get("source")):
        return 0, PDF_PAGE_TOKENS * pdf_pages(node["source"])
    return _measure(list(node.values()))


def _is_pdf(source: Any) -> bool:
    return isinstance(source, dict) and source.get("media_type") == "application/pdf"


def pdf_pages(source: dict[str, Any]) -> int:
    """Pages in a base64 PDF source (counting `/Type /Page` objects); 1 when unknown."""
    try:
        data = base64.b64decode(source.get("data", ""), validate=False)
    except (binascii.Error, ValueError, TypeError):
        return 1
    return max(1, len(_PDF_PAGE.findall(data)))
