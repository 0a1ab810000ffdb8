"""The shared, lock-protected state of one simulator: script queue, request log, counter."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import TypeVar

from .batch_api import BatchStore
from .cache import PromptCache
from .script import RecordedRequest, Script, ScriptedError, ScriptedReply

_S = TypeVar("_S", ScriptedReply, ScriptedError)


@dataclass
class _Entry:
    script: Script
    left: int


class SimState:
    """Scripts waiting to be served, every request received, the request counter, the batches."""

    def __init__(self, tokens_per_second: float | None = None, batch_delay_s: float = 0.0) -> None:
        self.batches = BatchStore(batch_delay_s)
        self.tokens_per_second = tokens_per_second  # None streams at full speed
        self._lock = threading.Lock()
        self._queue: deque[_Entry] = deque()
        self._requests: list[RecordedRequest] = []
        self._counter = 0
        self.cache = PromptCache()

    def next_number(self) -> int:
        """A fresh request number, 1 for the first request."""
        with self._lock:
            self._counter += 1
            return self._counter

    def record(self, request: RecordedRequest) -> None:
        """Append a request to the log."""
        with self._lock:
            self._requests.append(request)

    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._requests)

    def queue(self, script: Script) -> None:
        """Serve `script` after those already queued (a ScriptedError `repeat` times)."""
        if not isinstance(script, (ScriptedReply, ScriptedError)):
            raise TypeError(f"expected ScriptedReply or ScriptedError, got {type(script).__name__}")
        times = script.repeat if isinstance(script, ScriptedError) else 1
        with self._lock:
            self._queue.append(_Entry(script, max(1, times)))

    def take_error(self) -> ScriptedError | None:
        """The error at the head of the queue, if one is there, using it once."""
        with self._lock:
            if not self._queue or not isinstance(self._queue[0].script, ScriptedError):
                return None
            return self._use_head(self._queue[0].script)

    def take_reply(self) -> ScriptedReply | None:
        """The reply at the head of the queue, if one is there, removing it."""
        with self._lock:
            if not self._queue or not isinstance(self._queue[0].script, ScriptedReply):
                return None
            return self._use_head(self._queue[0].script)

    def reset(self) -> None:
        """Forget queued scripts and recorded requests, and restart request numbering at 1."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self._counter = 0
        self.cache.reset()
        self.batches.reset()

    def _use_head(self, script: _S) -> _S:
        self._queue[0].left -= 1
        if self._queue[0].left <= 0:
            self._queue.popleft()
        return script
