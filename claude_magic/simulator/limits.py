"""The API's image, PDF and citation limits, checked on a request body as the real API does (400)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..core.models import ModelInfo
from .errors import ApiError, invalid
from .media import all_blocks, dimensions
from .tokens import PDF_TYPE, count_pdf_pages

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # per base64 image on the Claude API
MAX_IMAGE_SIDE = 8000  # pixels per side
MANY_IMAGES = 20  # above this many images in a request...
MANY_IMAGES_SIDE = 2000  # ...each image must be at most 2000 px per side
MAX_IMAGES = 600  # images per request on models with a 1M context window
MAX_IMAGES_200K = 100  # images per request on 200K-context models
LARGE_CONTEXT = 1_000_000
MAX_REQUEST_BYTES = 32 * 1024 * 1024  # a whole request, PDFs included
MAX_PDF_PAGES = 600
MAX_PDF_PAGES_SMALL_CONTEXT = 100  # when the context window is under 1M tokens


def check_attachments(messages: list[Any], info: ModelInfo) -> None:
    """Citations all-or-none, image bytes/pixels/count (2000 px above 20 images), PDF size and pages."""
    blocks = list(all_blocks([m for m in messages if isinstance(m, dict)]))
    _check_citations(blocks)
    _check_images([b for b in blocks if b.get("type") == "image"], info)
    _check_pdfs([b for b in blocks if b.get("type") == "document"], info)


def _check_citations(blocks: list[dict[str, Any]]) -> None:
    flags = {bool((b.get("citations") or {}).get("enabled")) for b in blocks if b.get("type") == "document"}
    if len(flags) > 1:
        raise invalid("citations: Citations must be enabled on all documents or on none.")


def _check_images(images: list[dict[str, Any]], info: ModelInfo) -> None:
    limit = MAX_IMAGES if info.context_window >= LARGE_CONTEXT else MAX_IMAGES_200K
    if len(images) > limit:
        raise invalid(f"messages: too many images: {len(images)} > {limit} per request")
    side = MANY_IMAGES_SIDE if len(images) > MANY_IMAGES else MAX_IMAGE_SIDE
    for image in images:
        data = _decoded(image)
        if data is None:
            continue
        if len(data) > MAX_IMAGE_BYTES:
            raise invalid(f"image exceeds {MAX_IMAGE_BYTES // (1024 * 1024)} MB maximum: {len(data)} bytes")
        size = dimensions(data)
        if size is not None and max(size) > side:
            raise _too_large(side)


def _too_large(side: int) -> ApiError:
    details = {"error_code": "image_dimensions_too_large", "max_side_length_pixels": side}
    return ApiError(
        400, "invalid_request_error", f"image dimensions exceed max allowed size: {side} pixels", None, details
    )


def _check_pdfs(documents: list[dict[str, Any]], info: ModelInfo) -> None:
    pdfs = [data for data in map(_decoded, documents) if data is not None]
    if sum(map(len, pdfs)) > MAX_REQUEST_BYTES:
        raise ApiError(413, "request_too_large", "PDF content exceeds the maximum allowed number of bytes.")
    limit = MAX_PDF_PAGES if info.context_window >= LARGE_CONTEXT else MAX_PDF_PAGES_SMALL_CONTEXT
    for data in pdfs:
        if not data.lstrip().startswith(b"%PDF-"):
            raise invalid("The PDF specified was not valid.")
        if count_pdf_pages(data) > limit:
            raise invalid(f"A maximum of {limit} PDF pages may be provided.")


def _decoded(block: dict[str, Any]) -> bytes | None:
    source = block.get("source") or {}
    if source.get("type") != "base64" or (block["type"] == "document" and source.get("media_type") != PDF_TYPE):
        return None
    try:
        return base64.b64decode(str(source.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        raise invalid("source.data: invalid base64 data") from None
