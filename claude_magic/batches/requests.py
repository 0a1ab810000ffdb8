"""One request per row: the shared, cache-planned prefix plus the row's prompt, split to fit the batch limits."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.request import text_block
from .errors import BatchInputError

MAX_REQUESTS = 100_000  # per Message Batch
MAX_BYTES = 256 * 1024 * 1024  # per Message Batch create body
_ENVELOPE = 64  # {"custom_id": "...", "params": {...}} around each request, beyond the id and params


@dataclass(frozen=True)
class RowRequests:
    """Every row's custom_id and prompt, and the params they share (attachments and system first)."""

    base: dict[str, Any]  # a request body whose single user message holds only the shared blocks
    ids: tuple[str, ...]
    prompts: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ids)

    def params(self, position: int) -> dict[str, Any]:
        """The request body of one row: the shared blocks (cache breakpoint included), then its prompt."""
        return with_prompt(self.base, self.prompts[position])

    def entries(self, positions: Sequence[int]) -> list[dict[str, Any]]:
        """`requests=` entries for `messages.batches.create`."""
        return [{"custom_id": self.ids[p], "params": self.params(p)} for p in positions]

    def chunks(
        self, positions: Sequence[int], max_requests: int | None = None, max_bytes: int | None = None
    ) -> list[list[int]]:
        """`positions` split into runs that each fit one batch (count and bytes; default: the API's limits)."""
        max_requests = MAX_REQUESTS if max_requests is None else max_requests
        max_bytes = MAX_BYTES if max_bytes is None else max_bytes
        shared = len(json.dumps(self.base, ensure_ascii=False).encode()) + _ENVELOPE
        return list(_runs(positions, (shared + self._row_bytes(p) for p in positions), max_requests, max_bytes))

    def _row_bytes(self, position: int) -> int:
        return len(self.ids[position]) + len(json.dumps(self.prompts[position], ensure_ascii=False).encode()) + 32


def with_prompt(base: dict[str, Any], prompt: str) -> dict[str, Any]:
    """`base` with `prompt` as the last block of its user message; `base` is not changed."""
    message = base["messages"][-1]
    turn = {"role": "user", "content": [*message["content"], text_block(prompt)]}
    return {**base, "messages": [*base["messages"][:-1], turn]}


def without_prompt(request: dict[str, Any]) -> dict[str, Any]:
    """A prepared request with the last block of its user message (the prompt) removed."""
    message = request["messages"][-1]
    content = list(message["content"])[:-1]
    return {**request, "messages": [*request["messages"][:-1], {"role": "user", "content": content}]}


def _runs(positions: Sequence[int], sizes: Iterator[int], max_requests: int, max_bytes: int) -> Iterator[list[int]]:
    run: list[int] = []
    total = 0
    for position, size in zip(positions, sizes, strict=True):
        if size > max_bytes:
            raise BatchInputError(
                f"row {position} alone is {size:,} bytes, over the batch limit of {max_bytes:,}; nothing was sent"
            )
        if run and (len(run) >= max_requests or total + size > max_bytes):
            yield run
            run, total = [], 0
        run.append(position)
        total += size
    if run:
        yield run
