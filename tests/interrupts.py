"""Interrupt this process once a reply is streaming, not after a fixed delay that a slow machine outruns."""

from __future__ import annotations

import os
import signal
import threading
import time


def interrupt_once_streaming(sim, after_s: float = 0.5) -> threading.Thread:
    """SIGINT this process `after_s` after the simulator received the request (so text is flowing)."""
    before = len(sim.requests)

    def wait_then_interrupt() -> None:
        deadline = time.monotonic() + 30
        while len(sim.requests) == before and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(after_s)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=wait_then_interrupt, daemon=True)
    thread.start()
    return thread
