"""Small real media files made on the fly for attachment tests: PNG images and blank PDFs."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfWriter


def png(width: int, height: int) -> bytes:
    """A solid-colour PNG of the given size."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(buffer, format="PNG")
    return buffer.getvalue()


def pdf(pages: int) -> bytes:
    """A valid PDF of `pages` blank pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=100, height=100)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
