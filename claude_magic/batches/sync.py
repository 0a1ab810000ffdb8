"""`--sync`: the rows through the normal Messages endpoint, N at a time, behind one shared rate-limit gate.

Each row is one `Session.send` (streamed, the SDK's retries, one ledger row per call). After any
429 or 529 the gate closes for the response's retry-after (or a short default): every worker waits
on it before its next attempt, so the whole pool backs off together instead of each worker
hammering the API on its own schedule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from ..core.errors import ClaudeMagicError
from .join import Outcomes

DEFAULT_CONCURRENCY = 8
RATE_LIMITED = (429, 529)
DEFAULT_BACKOFF_S = 1.0  # when a 429/529 carries no retry-after


class Gate:
    """Closed until a moment in the future; every worker waits on it before each attempt."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_at = 0.0
        self.closed_times = 0

    def close_for(self, seconds: float) -> None:
        with self._lock:
            self._open_at = max(self._open_at, time.monotonic() + max(0.0, seconds))
            self.closed_times += 1

    def wait(self) -> None:
        while (left := self._open_at - time.monotonic()) > 0:
            time.sleep(left)

    def middleware(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        """SDK middleware: wait for the gate, send, and close the gate after a 429/529."""
        from .._network import retry_after_s

        self.wait()
        response = call_next(request)
        http = response.http_response
        if http.status_code in RATE_LIMITED:
            wait = retry_after_s(http.headers)
            self.close_for(DEFAULT_BACKOFF_S if wait is None else wait)
        return response

    def wrap(self, client: Any) -> Any:
        """`client` with this gate as the first middleware (before the session's retry watch)."""
        return client.with_options(middleware=[self, *getattr(client, "middleware", ())])

    def __call__(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        return self.middleware(request, call_next)


def run_sync(
    session: Any,
    template: Any,
    params: Callable[[int], dict[str, Any]],
    prompts: Callable[[int], str],
    positions: Sequence[int],
    concurrency: int,
    on_progress: Callable[[int, str], None],
) -> Outcomes:
    """Send each row's request (`params(position)`) with `concurrency` workers; outcomes in position order.

    `template` is a Prepared whose settings and chat the rows share; nothing joins a chat.
    """
    gate, lock = Gate(), threading.Lock()
    results: dict[int, tuple[str, str | None, str | None]] = {}
    failed = 0

    def one(position: int) -> None:
        nonlocal failed
        prepared = replace(template, prompt=prompts(position), request=params(position), keep=False)
        try:
            reply = session.send(prepared, wrap_client=gate.wrap)
            outcome = ("succeeded", reply.text, None)
        except ClaudeMagicError as error:
            outcome = ("errored", None, error.message)
        with lock:
            results[position] = outcome
            failed += outcome[0] != "succeeded"
            on_progress(len(results), f"{failed} errored" if failed else "")

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="claude_magic-sync") as pool:
        list(pool.map(one, positions))
    outcomes = Outcomes()
    for position in positions:
        status, text, error = results[position]
        outcomes.add(position, status, text, error)
    return outcomes
