"""A Message Batch over time: which state each request is in at a moment, and the batch's wire object.

Requests finish one after another, evenly over the batch's delay, in request order: request i of n
finishes at `created + delay * (i + 1) / n`, so `request_counts` only ever move forward and always
sum to n. A request scripted "expired" stays `processing` until the batch ends. A cancel ends the
batch `delay / 10` later (or at its natural end, if sooner); requests unfinished at the cancel end
`canceled`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..core.models import ModelInfo
from .errors import ApiError
from .script import BatchOutcome, ScriptedError

DAY_S = 24 * 60 * 60  # a batch expires 24 hours after it was created
CANCEL_SHARE = 0.1  # a cancel takes this share of the batch's delay to take effect
KINDS = ("processing", "succeeded", "errored", "canceled", "expired")


@dataclass
class Item:
    """One request of a batch: its params, and what happens to it."""

    custom_id: str
    params: dict[str, Any]
    info: ModelInfo | None  # None when the params are invalid
    error: ApiError | None  # why it ends errored (invalid params, or a scripted error)
    outcome: BatchOutcome | None = None


@dataclass
class Batch:
    """A created batch; times are clock seconds."""

    id: str
    items: list[Item]
    created: float
    delay: float
    cancel_at: float | None = None
    results: bytes | None = field(default=None, repr=False)

    def end_time(self) -> float:
        """When processing ends: after the delay, or shortly after a cancel."""
        natural = self.created + self.delay
        if self.cancel_at is None:
            return natural
        return min(natural, self.cancel_at + self.delay * CANCEL_SHARE)

    def ended(self, now: float) -> bool:
        return now >= self.end_time()

    def status(self, now: float) -> str:
        """`processing_status`: in_progress, canceling or ended."""
        if self.ended(now):
            return "ended"
        return "in_progress" if self.cancel_at is None else "canceling"

    def finish_time(self, index: int) -> float:
        """When request `index` finishes if nothing stops it (never, for an expiring one)."""
        if self.items[index].outcome == "expired":
            return math.inf
        return self.created + self.delay * (index + 1) / len(self.items)

    def kind(self, index: int, now: float) -> str:
        """The state of request `index` at `now`: one of KINDS."""
        finish, ended = self.finish_time(index), self.ended(now)
        if self.cancel_at is not None and finish > self.cancel_at:
            return "canceled" if ended else "processing"
        if finish == math.inf:
            return "expired" if ended else "processing"
        if finish > now and not ended:
            return "processing"
        return "errored" if self.items[index].error is not None else "succeeded"

    def counts(self, now: float) -> dict[str, int]:
        """`request_counts` at `now`; the values always sum to the number of requests.

        As the SDK's MessageBatchRequestCounts documents, every count but `processing` is zero
        until processing of the entire batch has ended.
        """
        counts = dict.fromkeys(KINDS, 0)
        if not self.ended(now):
            counts["processing"] = len(self.items)
            return counts
        for index in range(len(self.items)):
            counts[self.kind(index, now)] += 1
        return counts


def batch_json(batch: Batch, now: float, base_url: str) -> dict[str, Any]:
    """The `MessageBatch` object at `now`; `results_url` is absolute and set once the batch ended."""
    ended = batch.ended(now)
    return {
        "id": batch.id,
        "type": "message_batch",
        "processing_status": batch.status(now),
        "request_counts": batch.counts(now),
        "created_at": rfc3339(batch.created),
        "expires_at": rfc3339(batch.created + DAY_S),
        "ended_at": rfc3339(batch.end_time()) if ended else None,
        "archived_at": None,
        "cancel_initiated_at": None if batch.cancel_at is None else rfc3339(batch.cancel_at),
        "results_url": f"{base_url}/v1/messages/batches/{batch.id}/results" if ended else None,
    }


def scripted_error(outcome: BatchOutcome | None) -> ApiError | None:
    """The error a scripted outcome ends a request with, or None if it does not error."""
    if isinstance(outcome, ScriptedError):
        return ApiError(outcome.status, outcome.type, outcome.message)
    if outcome == "errored":
        return ApiError(500, "api_error", "Internal server error")
    return None


def rfc3339(seconds: float) -> str:
    """An RFC 3339 UTC timestamp, as the API writes them."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat().replace("+00:00", "Z")
