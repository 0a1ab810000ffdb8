"""Streaming at a model's pace: how long each delta takes at a given number of tokens per second."""

from __future__ import annotations

import os
from typing import Any

from .tokens import CHARS_PER_TOKEN

ENV_VAR = "CLAUDE_MAGIC_SIM_TPS"
DELTA_TEXT = ("text", "thinking", "partial_json")  # the generated characters a delta carries


def tokens_per_second(given: float | None) -> float | None:
    """`given`, else $CLAUDE_MAGIC_SIM_TPS, else None (full speed); a non-positive value is full speed."""
    if given is None:
        raw = os.environ.get(ENV_VAR, "").strip()
        if not raw:
            return None
        try:
            given = float(raw)
        except ValueError:
            raise ValueError(f"{ENV_VAR} must be a number of tokens per second, not {raw!r}") from None
    return given if given > 0 else None


def delta_seconds(data: dict[str, Any], rate: float | None) -> float:
    """Seconds a `content_block_delta` takes at `rate` tokens/s (about 4 characters per token)."""
    delta = data.get("delta") if data.get("type") == "content_block_delta" else None
    if rate is None or not isinstance(delta, dict):
        return 0.0
    chars = sum(len(str(delta.get(key, ""))) for key in DELTA_TEXT)
    return chars / CHARS_PER_TOKEN / rate
