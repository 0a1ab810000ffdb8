"""Row index labels -> custom_ids the API accepts (^[a-zA-Z0-9_-]{1,64}$), unique, stable across runs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

_VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")


def custom_ids(labels: Sequence[Any]) -> list[str]:
    """One custom_id per row, in row order.

    The label itself when every label is already a valid id and they are unique (the usual
    RangeIndex or string keys); otherwise `r{position}-{readable part}`, unique by position and
    the same for the same frame every time. The mapping back is by position (see `store.py`).
    """
    texts = [str(label) for label in labels]
    if all(_VALID.match(t) for t in texts) and len(set(texts)) == len(texts):
        return texts
    return [_positional(position, text) for position, text in enumerate(texts)]


def _positional(position: int, text: str) -> str:
    readable = _UNSAFE.sub("_", text).strip("_")
    prefix = f"r{position}"
    room = 64 - len(prefix) - 1
    if len(readable) > room:  # keep it short but still telling apart long labels by a hash
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        readable = readable[: room - 9] + "_" + digest
    return f"{prefix}-{readable}" if readable else prefix
