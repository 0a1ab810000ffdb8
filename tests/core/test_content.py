"""core.content: golden block shapes per kind, magic-number sniffing, and the request limits."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from claude_magic.core.content import (
    check_request_content,
    image_attachment,
    image_size,
    pdf_attachment,
    sniff,
    text_attachment,
    text_document,
    url_attachment,
    with_citations,
)
from claude_magic.core.errors import AttachmentError
from claude_magic.core.models import lookup
from claude_magic.core.tokens import estimate_tokens

SONNET = lookup("claude-sonnet-5-5")
HAIKU_4_5 = lookup("claude-haiku-4-5")  # a 200K-context model: 100 images, 100 PDF pages


def image_bytes(width: int, height: int, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def user(*blocks):
    return [{"role": "user", "content": [*blocks, {"type": "text", "text": "hi"}]}]


def test_text_document_golden_shape():
    attachment = text_document("notes", "The grass is green.")
    assert attachment.blocks == (
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "The grass is green."},
            "title": "notes",
        },
    )
    assert attachment.record() == {"name": "notes", "kind": "document", "bytes": 19, "tokens": 5}


def test_text_attachment_golden_shape():
    attachment = text_attachment("df", "dataframe", "DataFrame `df`: 3 rows")
    assert attachment.blocks == ({"type": "text", "text": "DataFrame `df`: 3 rows"},)
    assert attachment.record() == {"name": "df", "kind": "dataframe", "bytes": 22, "tokens": 6}


def test_image_golden_shape_and_tokens():
    data = image_bytes(56, 30)
    attachment = image_attachment("chart", data)
    assert attachment.blocks == (
        {"type": "text", "text": "Image `chart`:"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64(data)}},
    )
    assert attachment.record() == {"name": "chart", "kind": "image", "bytes": len(data), "tokens": 2 * 2}


def test_pdf_golden_shape():
    data = b"%PDF-1.4\n%%EOF\n"
    attachment = pdf_attachment("report.pdf", data, pages=1)
    assert attachment.blocks == (
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": b64(data)},
            "title": "report.pdf",
        },
    )
    assert attachment.kind == "pdf"


def test_url_golden_shapes():
    image = url_attachment("https://x.org/a.png", "https://x.org/a.png", "image")
    assert image.blocks[1] == {"type": "image", "source": {"type": "url", "url": "https://x.org/a.png"}}
    pdf = url_attachment("https://x.org/r.pdf", "https://x.org/r.pdf", "pdf")
    assert pdf.blocks == (
        {"type": "document", "source": {"type": "url", "url": "https://x.org/r.pdf"}, "title": "https://x.org/r.pdf"},
    )


def test_with_citations_sets_every_document_and_needs_one():
    blocks = [*text_document("a", "A.").blocks, {"type": "text", "text": "t"}, *text_document("b", "B.").blocks]
    cited = with_citations(blocks)
    assert [b.get("citations") for b in cited] == [{"enabled": True}, None, {"enabled": True}]
    with pytest.raises(AttachmentError, match="--cite needs a document"):
        with_citations([{"type": "text", "text": "t"}])


@pytest.mark.parametrize(
    ("fmt", "media_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")]
)
def test_sniff_and_size_from_headers(fmt, media_type):
    data = image_bytes(123, 45, fmt)
    assert sniff(data) == media_type
    assert image_size(data) == (123, 45)


def test_sniff_pdf_and_unknown():
    assert sniff(b"%PDF-1.7 ...") == "application/pdf"
    assert sniff(b"hello") is None
    assert image_size(b"hello") is None


def test_estimate_tokens_is_chars_over_four_rounded_up():
    assert [estimate_tokens("x" * n) for n in (0, 1, 4, 5)] == [0, 1, 1, 2]


def test_image_over_ten_megabytes():
    data = image_bytes(10, 10) + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(AttachmentError, match=r"is 10\.01 MB; the API takes images up to 10 MB"):
        image_attachment("big", data)


def test_image_over_8000_px():
    with pytest.raises(AttachmentError, match="8001×10 px; the API takes at most 8000 px per side"):
        image_attachment("tall", image_bytes(8001, 10))


def test_not_an_image():
    with pytest.raises(AttachmentError, match="not a PNG, JPEG, GIF or WebP"):
        image_attachment("x", b"hello")


def test_pdf_page_limit_depends_on_context_window():
    pdf_attachment("r", b"%PDF-1.4", pages=600)
    with pytest.raises(AttachmentError, match="101 pages; the API takes at most 100"):
        pdf_attachment("r", b"%PDF-1.4", pages=101, context_window=200_000)


def test_more_than_20_images_must_be_2000_px():
    small = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64(image_bytes(10, 10))}}
    big = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64(image_bytes(2001, 4))}}
    check_request_content(user(big, *[small] * 19), SONNET)  # 20 images: 8000 px rule only
    with pytest.raises(AttachmentError, match="more than 20 images"):
        check_request_content(user(big, *[small] * 20), SONNET)


def test_image_count_limit_per_context_window():
    url = {"type": "image", "source": {"type": "url", "url": "https://x.org/a.png"}}
    check_request_content(user(*[url] * 101), SONNET)
    with pytest.raises(AttachmentError, match="101 images in one request; the API takes at most 100"):
        check_request_content(user(*[url] * 101), HAIKU_4_5)


def test_citations_all_or_none():
    cited = {**text_document("a", "A.").blocks[0], "citations": {"enabled": True}}
    plain = text_document("b", "B.").blocks[0]
    check_request_content(user(cited, cited), SONNET)
    with pytest.raises(AttachmentError, match="every document or on none"):
        check_request_content(user(cited, plain), SONNET)


def test_request_size_limit():
    huge = text_document("big", "x" * (33 * 1024 * 1024)).blocks[0]
    with pytest.raises(AttachmentError, match="limit is 32 MB"):
        check_request_content(user(huge), SONNET)


def _document(cited: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}
    return {**block, "citations": {"enabled": True}} if cited else block


def _turns(*cited: bool) -> list[dict[str, Any]]:
    """One user message per flag, each holding one document; assistant replies between them."""
    messages: list[dict[str, Any]] = []
    for flag in cited:
        messages += [{"role": "user", "content": [_document(flag)]}, {"role": "assistant", "content": "ok"}]
    return messages[:-1]


@pytest.mark.parametrize(
    ("cited", "fragment"),
    [
        ((False, True), "sent without citations"),
        ((True, False), "sent with citations"),
        ((True, False, True), "earlier in this chat"),
    ],
)
def test_citation_conflict_with_the_history_blames_the_history(cited, fragment):
    with pytest.raises(AttachmentError, match=fragment) as caught:
        check_request_content(_turns(*cited), None)
    assert "--new" in caught.value.message and "%claude reset" in caught.value.message


def test_mixed_citations_in_the_new_message_still_blame_the_new_message():
    messages = [{"role": "user", "content": [_document(True), _document(False)]}]
    with pytest.raises(AttachmentError, match="use --cite for all"):
        check_request_content(messages, None)
