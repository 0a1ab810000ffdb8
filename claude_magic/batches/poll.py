"""Follow API batches until they end: polling with backoff on a daemon thread, reporting `request_counts`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

FIRST_WAIT_S = 0.5
MAX_WAIT_S = 30.0
GROWTH = 1.5
COUNT_NAMES = ("processing", "succeeded", "errored", "canceled", "expired")
_RUNNING: set[Poller] = set()
_RUNNING_LOCK = threading.Lock()


@dataclass(frozen=True)
class Snapshot:
    """The job's batches as last retrieved: summed request counts, and whether every batch ended."""

    counts: dict[str, int]
    ended: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.total - self.counts.get("processing", 0)

    def note(self) -> str:
        parts = [f"{self.counts[name]:,} {name}" for name in COUNT_NAMES if self.counts.get(name)]
        return ", ".join(parts)


def snapshot(client: Any, batch_ids: Sequence[str]) -> Snapshot:
    """Retrieve every batch once and sum their counts."""
    counts = dict.fromkeys(COUNT_NAMES, 0)
    ended = True
    for batch_id in batch_ids:
        batch = client.messages.batches.retrieve(batch_id)
        for name in COUNT_NAMES:
            counts[name] += int(getattr(batch.request_counts, name))
        ended = ended and batch.processing_status == "ended"
    return Snapshot(counts, ended)


def wait_until_ended(
    client: Any,
    batch_ids: Sequence[str],
    on_progress: Callable[[Snapshot], None],
    *,
    stop: threading.Event | None = None,
    first_wait_s: float = FIRST_WAIT_S,
    max_wait_s: float = MAX_WAIT_S,
) -> Snapshot | None:
    """Poll until every batch ended (its last snapshot), or None when `stop` was set first."""
    wait = first_wait_s
    while True:
        seen = snapshot(client, batch_ids)
        on_progress(seen)
        if seen.ended:
            return seen
        if stop is not None and stop.wait(wait):
            return None
        if stop is None:
            time.sleep(wait)
        wait = min(max_wait_s, wait * GROWTH)


class Poller:
    """`wait_until_ended` on a daemon thread; `on_ended` runs on that thread and must only hand work back."""

    def __init__(
        self,
        client: Any,
        batch_ids: Sequence[str],
        on_progress: Callable[[Snapshot], None],
        on_ended: Callable[[Snapshot | None, BaseException | None], None],
        **timing: float,
    ) -> None:
        self.stop = threading.Event()
        self._args = (client, list(batch_ids), on_progress)
        self._on_ended, self._timing = on_ended, timing
        self.thread = threading.Thread(target=self._run, name="claude_magic-batch-poller", daemon=True)

    def start(self) -> Poller:
        with _RUNNING_LOCK:
            _RUNNING.add(self)
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            seen = wait_until_ended(*self._args, stop=self.stop, **self._timing)
        except Exception as error:  # an API failure while polling: reported, the batch keeps running
            self._on_ended(None, error)
            return
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(self)
        if seen is not None:
            self._on_ended(seen, None)


def stop_all(timeout_s: float = 5.0) -> None:
    """Stop every running poller and wait for their threads (tests; a kernel shutting down)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for poller in running:
        poller.stop.set()
    for poller in running:
        poller.thread.join(timeout_s)
