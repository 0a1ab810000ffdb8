"""The Message Batches endpoints over one lock-protected store: create, retrieve, list, cancel, delete, results."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .batch_create import batch_items, check_batch_size
from .batch_results import results_jsonl
from .batches import Batch, batch_json
from .errors import invalid, not_found
from .script import BatchScript
from .validate import parse_body

PREFIX = "/v1/messages/batches"
DEFAULT_LIMIT = 20
Answer = dict[str, Any] | bytes  # a JSON object, or a results file


class BatchStore:
    """Every batch not deleted, newest last; the scripts waiting for the next batches; the clock."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.clock: Callable[[], float] = time.time
        self._lock = threading.Lock()
        self._batches: dict[str, Batch] = {}
        self._scripts: deque[BatchScript] = deque()
        self._counter = 0

    def queue(self, script: BatchScript) -> None:
        """Play `script` on the next batch created (after those already queued)."""
        with self._lock:
            self._scripts.append(script)

    def reset(self) -> None:
        """Forget every batch and queued script; ids restart."""
        with self._lock:
            self._batches.clear()
            self._scripts.clear()
            self._counter = 0

    def serve(self, method: str, path: str, query: dict[str, str], raw: bytes, base_url: str) -> Answer:
        """Answer one request under `/v1/messages/batches`; raises ApiError."""
        parts = path[len(PREFIX) :].strip("/").split("/") if path != PREFIX else []
        with self._lock:
            now = self.clock()
            if not parts:
                return self._create(raw, now, base_url) if method == "POST" else self._list(query, now, base_url)
            return self._one(method, parts, now, base_url)

    def _one(self, method: str, parts: list[str], now: float, base_url: str) -> Answer:
        batch = self._find(parts[0])
        action = (method, "/".join(parts[1:]))
        if action == ("GET", ""):
            return batch_json(batch, now, base_url)
        if action == ("POST", "cancel"):
            return self._cancel(batch, now, base_url)
        if action == ("DELETE", ""):
            return self._delete(batch, now)
        if action == ("GET", "results"):
            return self._results(batch, now)
        raise not_found(f"Not found: {method} {PREFIX}/{'/'.join(parts)}")

    def _create(self, raw: bytes, now: float, base_url: str) -> Answer:
        check_batch_size(len(raw))
        script = self._scripts[0] if self._scripts else BatchScript()
        items = batch_items(parse_body(raw), script.outcomes)
        if self._scripts:
            self._scripts.popleft()
        self._counter += 1
        delay = self.delay_s if script.delay_s is None else script.delay_s
        batch = Batch(f"msgbatch_sim_{self._counter:08d}", items, now, max(0.0, delay))
        self._batches[batch.id] = batch
        return batch_json(batch, now, base_url)

    def _find(self, batch_id: str) -> Batch:
        batch = self._batches.get(batch_id)
        if batch is None:
            raise not_found(f"message_batch: {batch_id} not found")
        return batch

    def _cancel(self, batch: Batch, now: float, base_url: str) -> Answer:
        """Start canceling an in-progress batch; a canceling or ended one is returned as it is."""
        if batch.cancel_at is None and not batch.ended(now):
            batch.cancel_at = now
        return batch_json(batch, now, base_url)

    def _delete(self, batch: Batch, now: float) -> Answer:
        if not batch.ended(now):
            raise invalid(f"Message Batch {batch.id} cannot be deleted while it is in progress; cancel it first.")
        del self._batches[batch.id]
        return {"id": batch.id, "type": "message_batch_deleted"}

    def _results(self, batch: Batch, now: float) -> Answer:
        if not batch.ended(now):
            raise invalid(f"Message Batch {batch.id} has not ended; results are available once it has.")
        if batch.results is None:
            batch.results = results_jsonl(batch, now)
        return batch.results

    def _list(self, query: dict[str, str], now: float, base_url: str) -> Answer:
        """A page, newest first, honouring `limit`, `after_id` and `before_id`."""
        ids = list(reversed(self._batches))
        limit = _limit(query.get("limit"))
        if query.get("before_id") in ids:
            end = ids.index(query["before_id"])
            chosen, more = ids[max(0, end - limit) : end], end - limit > 0
        else:
            start = ids.index(query["after_id"]) + 1 if query.get("after_id") in ids else 0
            chosen, more = ids[start : start + limit], start + limit < len(ids)
        data = [batch_json(self._batches[i], now, base_url) for i in chosen]
        first, last = (chosen[0], chosen[-1]) if chosen else (None, None)
        return {"data": data, "has_more": more, "first_id": first, "last_id": last}


def _limit(raw: str | None) -> int:
    """`limit` must be 1 to 1000 (default 20)."""
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise invalid("limit: Input should be a valid integer") from None
    if not 1 <= limit <= 1000:
        raise invalid("limit: Input should be between 1 and 1000")
    return limit
