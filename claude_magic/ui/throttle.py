"""A redraw throttle: at most one redraw per interval, with the final state always flushed."""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_INTERVAL_S = 0.1  # about 10 redraws per second


class Throttle:
    """Calls `redraw` when an interval has passed since the last call, and always on `flush`."""

    def __init__(
        self,
        redraw: Callable[[], None],
        interval_s: float = DEFAULT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redraw, self._interval, self._clock = redraw, interval_s, clock
        self._last: float | None = None
        self._pending = False
        self.redraws = 0

    def poke(self) -> None:
        """Note a change; redraw now if the interval has passed."""
        self._pending = True
        now = self._clock()
        if self._last is None or now - self._last >= self._interval:
            self._draw(now)

    def flush(self) -> None:
        """Redraw now if anything changed since the last redraw."""
        if self._pending:
            self._draw(self._clock())

    def _draw(self, now: float) -> None:
        self._last, self._pending = now, False
        self.redraws += 1
        self._redraw()
