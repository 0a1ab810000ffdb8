"""Image dimensions read from PNG, GIF, WebP and JPEG headers, and the walk over nested content blocks."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

_JPEG_FRAME_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def all_blocks(messages: list[Any]) -> Iterator[dict[str, Any]]:
    """Every content block of every message, including blocks nested in tool results and documents."""
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            yield from _nested(content)


def _nested(blocks: list[Any]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        if isinstance(block, dict):
            yield block
            if isinstance(block.get("content"), list):
                yield from _nested(block["content"])


def dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an image, or None when the header is unreadable."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return _pair(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return _pair("<HH", data[6:10])
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
        if data.startswith(b"\xff\xd8\xff"):
            return _jpeg(data)
    except (struct.error, IndexError):
        return None
    return None


def _pair(layout: str, raw: bytes) -> tuple[int, int]:
    width, height = struct.unpack(layout, raw)
    return int(width), int(height)


def _webp(data: bytes) -> tuple[int, int] | None:
    kind = data[12:16]
    if kind == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if kind == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if kind == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 < len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in _JPEG_FRAME_MARKERS:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None
