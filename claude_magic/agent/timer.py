"""A time limit for code running on the main thread: SIGALRM raises `AgentTimeout` inside it."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class AgentTimeout(BaseException):
    """The call ran past its limit; a BaseException so that the code's own `except Exception` does not swallow it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"stopped after {seconds:g} s (ClaudeMagics.agent_timeout)")
        self.seconds = seconds


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise `AgentTimeout` in the main thread once `seconds` pass; None, or no SIGALRM (Windows), sets no limit.

    The previous handler and the previous timer (what was left of it) are restored after.
    """
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    armed = [True]

    def expire(signum: int, frame: Any) -> None:
        if armed:
            raise AgentTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    left, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed.clear()  # first: an alarm that fires now, the code done, raises nothing
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if left:
            signal.setitimer(signal.ITIMER_REAL, left, interval)


@contextmanager
def interruptible() -> Iterator[None]:
    """The user's interrupt raises KeyboardInterrupt in the code at once, as in a cell.

    The tool loop defers SIGINT until a tool call finishes (`_tool_loop.finish_before_interrupt`);
    code the user watches run is stopped like a cell instead. Only the main thread handles signals.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
