"""The simulator's own token estimate: ceil(text characters / 4), flat costs per image and PDF page."""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

IMAGE_TOKENS = 1_600  # about a 1568 px long-edge image: ceil(w/28) * ceil(h/28)
PDF_PAGE_TOKENS = 2_000  # extracted text plus page image, per page
CHARS_PER_TOKEN = 4
PDF_TYPE = "application/pdf"
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def estimate_tokens(node: Any) -> int:
    """Estimated tokens of any JSON value: a string, a block, a message, or a list of them."""
    chars, media = size_of(node)
    return to_tokens(chars, media)


def to_tokens(chars: int, media: int) -> int:
    """Text tokens for `chars` characters plus `media` flat tokens."""
    return math.ceil(chars / CHARS_PER_TOKEN) + media


def size_of(node: Any) -> tuple[int, int]:
    """(text characters, media tokens) of a JSON value; `cache_control` markers cost nothing."""
    if node is None:
        return 0, 0
    if isinstance(node, str):
        return len(node), 0
    if isinstance(node, list):
        return _sum(size_of(item) for item in node)
    if isinstance(node, dict):
        return _dict_size(node)
    return len(str(node)), 0


def _sum(sizes: Any) -> tuple[int, int]:
    chars = media = 0
    for c, m in sizes:
        chars, media = chars + c, media + m
    return chars, media


def _dict_size(node: dict[str, Any]) -> tuple[int, int]:
    kind = node.get("type")
    if kind == "image":
        return 0, IMAGE_TOKENS
    source = node.get("source")
    if kind == "document" and isinstance(source, dict) and source.get("media_type") == PDF_TYPE:
        return 0, PDF_PAGE_TOKENS * max(1, count_pdf_pages(_decode(source.get("data"))))
    return _sum(size_of(value) for key, value in node.items() if key != "cache_control")


def _decode(data: Any) -> bytes:
    try:
        return base64.b64decode(str(data or ""), validate=False)
    except (binascii.Error, ValueError):
        return b""


def count_pdf_pages(data: bytes) -> int:
    """Page objects declared in a PDF's uncompressed bytes (0 when none are visible)."""
    return len(_PAGE_OBJECT.findall(data))
