"""Prepared Python values -> content blocks, and the API's attachment limits checked before sending.

Format work that needs pandas, Pillow or pypdf happens in `claude_magic._attach`; this module
receives bytes, text, sizes and page counts, and builds and checks the blocks.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import AttachmentError
from .models import ModelInfo
from .tokens import estimate_tokens, image_tokens, pdf_page_hint

# Limits from ANTHROPIC_API.md §10 (Anthropic docs, vision and pdf-support, 2026).
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # per image, base64 source, Claude API
MAX_IMAGE_SIDE = 8000  # pixels per side
MANY_IMAGES = 20  # above this many images in a request...
MANY_IMAGES_SIDE = 2000  # ...every image must be at most this many pixels per side
MAX_IMAGES_200K = 100  # images per request on 200K-context models
MAX_IMAGES = 600  # images per request on larger-context models
MAX_REQUEST_BYTES = 32 * 1024 * 1024  # whole request, PDFs included
MAX_PDF_PAGES = 600
MAX_PDF_PAGES_SMALL_CONTEXT = 100  # when the context window is under 1M tokens
LARGE_CONTEXT = 1_000_000

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
PDF_TYPE = "application/pdf"


@dataclass(frozen=True)
class Attachment:
    """The blocks one named attachment became, and what the exchange records about it."""

    name: str
    kind: str
    blocks: tuple[dict[str, Any], ...]
    size: int
    tokens: int | None = None

    def record(self) -> dict[str, Any]:
        """The entry kept on `Exchange.attachments`."""
        return {"name": self.name, "kind": self.kind, "bytes": self.size, "tokens": self.tokens}


def sniff(data: bytes) -> str | None:
    """The media type of image or PDF bytes from their magic number, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.lstrip()[:5] == b"%PDF-":
        return PDF_TYPE
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from a PNG, GIF, WebP or JPEG header, or None when unreadable."""
    kind = sniff(data)
    try:
        if kind == "image/png":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if kind == "image/gif":
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if kind == "image/webp":
            return _webp_size(data)
        if kind == "image/jpeg":
            return _jpeg_size(data)
    except (struct.error, IndexError):
        return None
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker, length = data[position + 1], struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


# -- building blocks ---------------------------------------------------------------------


def text_attachment(name: str, kind: str, text: str) -> Attachment:
    """Compact text (e.g. a DataFrame summary) sent as a text block."""
    return Attachment(name, kind, ({"type": "text", "text": text},), len(text.encode()), estimate_tokens(text))


def text_document(name: str, text: str, title: str | None = None, kind: str = "document") -> Attachment:
    """A plain-text document block titled with the variable or file name; empty text is refused."""
    if not text.strip():
        raise AttachmentError(f"{name} is empty: there is no text to send. Attach something with text in it")
    block = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": text},
        "title": title or name,
    }
    return Attachment(name, kind, (block,), len(text.encode()), estimate_tokens(text))


def image_attachment(name: str, data: bytes, media_type: str | None = None) -> Attachment:
    """A base64 image block, checked against the per-image limits, after a label naming it."""
    media_type = media_type or sniff(data)
    if media_type not in IMAGE_TYPES:
        raise AttachmentError(f"{name} is not a PNG, JPEG, GIF or WebP image; attach one of those")
    _check_image_bytes(name, len(data))
    size = image_size(data)
    if size is not None:
        _check_image_side(name, size, MAX_IMAGE_SIDE)
    source = {"type": "base64", "media_type": media_type, "data": base64.b64encode(data).decode("ascii")}
    blocks = ({"type": "text", "text": f"Image `{name}`:"}, {"type": "image", "source": source})
    return Attachment(name, "image", blocks, len(data), image_tokens(*size) if size else None)


def pdf_attachment(name: str, data: bytes, pages: int, context_window: int = LARGE_CONTEXT) -> Attachment:
    """A base64 PDF document block, checked against the page and size limits."""
    limit = pdf_page_limit(context_window)
    if pages > limit:
        raise AttachmentError(
            f"{name} has {pages} pages; the API takes at most {limit} per request for this model. "
            "Split the PDF or attach fewer pages"
        )
    if len(data) > MAX_REQUEST_BYTES:
        raise AttachmentError(f"{name} is {_mb(len(data))}; PDFs must be under {_mb(MAX_REQUEST_BYTES)} per request")
    source = {"type": "base64", "media_type": PDF_TYPE, "data": base64.b64encode(data).decode("ascii")}
    block = {"type": "document", "source": source, "title": name}
    return Attachment(name, "pdf", (block,), len(data))


def url_attachment(name: str, url: str, kind: str) -> Attachment:
    """An `image` or `pdf` sent as a URL source, which the API fetches."""
    if kind == "image":
        blocks: tuple[dict[str, Any], ...] = (
            {"type": "text", "text": f"Image `{name}`:"},
            {"type": "image", "source": {"type": "url", "url": url}},
        )
    else:
        blocks = ({"type": "document", "source": {"type": "url", "url": url}, "title": name},)
    return Attachment(name, f"{kind} url", blocks, 0)


def pdf_page_limit(context_window: int) -> int:
    """Pages allowed per request for a model with this context window."""
    return MAX_PDF_PAGES if context_window >= LARGE_CONTEXT else MAX_PDF_PAGES_SMALL_CONTEXT


def with_citations(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`blocks` with citations enabled on every document; the API requires all or none."""
    if not any(block.get("type") == "document" for block in blocks):
        raise AttachmentError("--cite needs a document: attach a text, PDF or file with -a")
    return [{**b, "citations": {"enabled": True}} if b.get("type") == "document" else b for b in blocks]


# -- checking a whole request --------------------------------------------------------------


def check_request_content(messages: list[dict[str, Any]], info: ModelInfo | None) -> None:
    """Raise AttachmentError when the request's images, documents or size break an API limit."""
    blocks = list(iter_blocks(messages))
    _check_citations(messages)
    _check_images(blocks, info)
    _check_pdfs(blocks, info)
    _check_request_bytes(blocks)


def iter_blocks(messages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every content block in `messages`, including those nested in tool results."""
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            yield from _walk(content)


def _walk(blocks: list[Any]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        if isinstance(block, dict):
            yield block
            if isinstance(block.get("content"), list):
                yield from _walk(block["content"])


def _check_citations(messages: list[dict[str, Any]]) -> None:
    # The API needs citations enabled on every document of the request, history included, or on none.
    new, old = _citation_flags(messages[-1:]), _citation_flags(messages[:-1])
    if len(new) > 1:
        raise AttachmentError("citations must be enabled on every document or on none; use --cite for all")
    if len(new | old) > 1:
        raise AttachmentError(_history_conflict(new))


def _citation_flags(messages: list[dict[str, Any]]) -> set[bool]:
    documents = (b for b in iter_blocks(messages) if b.get("type") == "document")
    return {bool((b.get("citations") or {}).get("enabled")) for b in documents}


def _history_conflict(new: set[bool]) -> str:
    restart = "start afresh with --new, use another chat with --chat NAME, or clear this one with %claude reset"
    if not new:
        return f"documents earlier in this chat mix cited and uncited ones, which the API refuses: {restart}"
    sent, fix = ("without", "drop --cite") if True in new else ("with", "add --cite")
    return (
        f"a document earlier in this chat was sent {sent} citations, and the API needs citations on every "
        f"document or none: {fix}, or {restart}"
    )


def _check_images(blocks: list[dict[str, Any]], info: ModelInfo | None) -> None:
    images = [b for b in blocks if b.get("type") == "image"]
    limit = MAX_IMAGES if info is None or info.context_window >= LARGE_CONTEXT else MAX_IMAGES_200K
    if len(images) > limit:
        raise AttachmentError(f"{len(images)} images in one request; the API takes at most {limit}. Attach fewer")
    side = MANY_IMAGES_SIDE if len(images) > MANY_IMAGES else MAX_IMAGE_SIDE
    for number, image in enumerate(images, 1):
        data = _base64_data(image)
        if data is None:
            continue
        _check_image_bytes(f"image {number}", len(data))
        size = image_size(data)
        if size is not None:
            _check_image_side(f"image {number}", size, side, many=len(images))


def _check_pdfs(blocks: list[dict[str, Any]], info: ModelInfo | None) -> None:
    limit = pdf_page_limit(info.context_window if info else LARGE_CONTEXT)
    documents = [b for b in blocks if b.get("type") == "document"]
    for number, document in enumerate(documents, 1):
        data = _base64_data(document)
        if data is None or (document.get("source") or {}).get("media_type") != PDF_TYPE:
            continue
        if sniff(data) != PDF_TYPE:
            raise AttachmentError(f"document {number} is not a PDF (no %PDF- header); attach a real PDF")
        pages = pdf_page_hint(data)
        if pages > limit:
            raise AttachmentError(
                f"document {number} has {pages} pages; the API takes at most {limit} per request for this model"
            )


def _check_request_bytes(blocks: list[dict[str, Any]]) -> None:
    total = sum(len(str((b.get("source") or {}).get("data", ""))) for b in blocks) + sum(
        len(str(b.get("text", ""))) for b in blocks
    )
    if total > MAX_REQUEST_BYTES:
        raise AttachmentError(
            f"the request would be about {_mb(total)}; the API's limit is {_mb(MAX_REQUEST_BYTES)}. Attach less"
        )


def _base64_data(block: dict[str, Any]) -> bytes | None:
    source = block.get("source") or {}
    if source.get("type") != "base64":
        return None
    try:
        return base64.b64decode(source.get("data", ""), validate=False)
    except ValueError:
        return None


def _check_image_bytes(name: str, size: int) -> None:
    if size > MAX_IMAGE_BYTES:
        raise AttachmentError(
            f"{name} is {_mb(size)}; the API takes images up to {_mb(MAX_IMAGE_BYTES)}. Save it smaller or as JPEG"
        )


def _check_image_side(name: str, size: tuple[int, int], limit: int, many: int = 0) -> None:
    if max(size) > limit:
        reason = f" when a request has more than {MANY_IMAGES} images ({many} here)" if many > MANY_IMAGES else ""
        raise AttachmentError(
            f"{name} is {size[0]}×{size[1]} px; the API takes at most {limit} px per side{reason}. Resize it"
        )


def _mb(size: int) -> str:
    """Megabytes rounded up to 0.01, so a size just over a limit never prints as equal to it."""
    hundredths = -(-size * 100 // (1024 * 1024))
    return f"{hundredths // 100}.{hundredths % 100:02d} MB".replace(".00 MB", " MB")
