"""Token estimates for request parts: ceil(chars / 4), flat costs for images and PDF pages."""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

IMAGE_TILE = 28  # image tokens = ceil(w/28) * ceil(h/28)
PDF_PAGE_TOKENS = 2_000  # extracted text plus page image, per page
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def image_tokens(width: int, height: int) -> int:
    """Visual tokens for an image of this size."""
    return -(-width // IMAGE_TILE) * -(-height // IMAGE_TILE)


IMAGE_TOKENS = image_tokens(1120, 1120)  # 1,600: an image of about 1.15 megapixels, when the size is unknown


def estimate_tokens(node: Any) -> int:
    """Estimated tokens of a JSON value: a string, a block, a message, or a list of them."""
    return tokens_from(*measure(node))


def tokens_from(chars: int, media: int) -> int:
    """ceil(chars / 4) text tokens plus flat media tokens."""
    return math.ceil(chars / 4) + media


def measure(node: Any) -> tuple[int, int]:
    """(characters of text, media tokens) in a JSON value; images and PDFs cost flat tokens."""
    if isinstance(node, str):
        return len(node), 0
    if isinstance(node, list):
        sums = [measure(item) for item in node]
        return sum(s[0] for s in sums), sum(s[1] for s in sums)
    if isinstance(node, dict):
        return _measure_dict(node)
    return (0, 0) if node is None else (len(str(node)), 0)


def _measure_dict(node: dict[str, Any]) -> tuple[int, int]:
    if node.get("type") == "image":
        return 0, IMAGE_TOKENS
    if node.get("type") == "document" and _is_pdf(node.get("source")):
        return 0, PDF_PAGE_TOKENS * pdf_pages(node["source"])
    return measure([value for key, value in node.items() if key != "cache_control"])


def _is_pdf(source: Any) -> bool:
    return isinstance(source, dict) and source.get("media_type") == "application/pdf"


def pdf_pages(source: dict[str, Any]) -> int:
    """Pages in a base64 PDF source; 1 when unknown."""
    try:
        data = base64.b64decode(source.get("data", ""), validate=False)
    except (binascii.Error, ValueError, TypeError):
        return 1
    return max(1, pdf_page_hint(data))


def pdf_page_hint(data: bytes) -> int:
    """Pages declared in the PDF's uncompressed objects: exact for most files, a lower bound for the rest."""
    return len(_PDF_PAGE.findall(data))
