"""`--sync`: the rows through the normal Messages endpoint, N at a time, behind one shared rate-limit gate.

Each row is one `Session.send` (streamed, the SDK's retries, one ledger row per call). After any
429 or 529 the gate closes for the response's retry-after (or a short default): every worker waits
on it before its next attempt, so the whole pool backs off together instead of each worker
hammering the API on its own schedule.

An interrupt sends no more rows; the rows in flight finish (they are paid for) unless a second
interrupt stops the wait. Every row then has an outcome: the finished ones theirs, the others
`canceled` with the reason, and `Outcomes.interrupted` is set for the caller to stop the cell.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import replace
from typing import Any

from ..core.errors import ClaudeMagicError
from .join import Outcomes

DEFAULT_CONCURRENCY = 8
RATE_LIMITED = (429, 529)
DEFAULT_BACKOFF_S = 1.0  # when a 429/529 carries no retry-after
NOT_SENT = "canceled: the cell was interrupted before this row was sent"
ABANDONED = "canceled: the cell was interrupted twice while this row was in flight; any reply is in the ledger only"
Result = tuple[str, str | None, str | None]  # status, reply text, error


class Gate:
    """Closed until a moment in the future; every worker waits on it before each attempt."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_at = 0.0

    def close_for(self, seconds: float) -> None:
        with self._lock:
            self._open_at = max(self._open_at, time.monotonic() + max(0.0, seconds))

    def wait(self) -> None:
        while (left := self._open_at - time.monotonic()) > 0:
            time.sleep(left)

    def middleware(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        """SDK middleware: wait for the gate, send, and close the gate after a 429/529."""
        from .._edge.network_policy import retry_after_s

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
    gate, lock, stop = Gate(), threading.Lock(), threading.Event()
    results: dict[int, Result] = {}
    started: set[int] = set()

    def one(position: int) -> None:
        with lock:
            if stop.is_set():
                return
            started.add(position)
        prepared = replace(template, prompt=prompts(position), request=params(position), keep=False)
        outcome = _send(session, prepared, gate)
        with lock:
            results[position] = outcome
            failed = sum(status != "succeeded" for status, _, _ in results.values())
            on_progress(len(results), f"{failed} errored" if failed else "")

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="claude_magic-sync")
    futures = [pool.submit(one, position) for position in positions]
    interrupted = _finish(futures, stop, lambda note: on_progress(len(results), note))
    pool.shutdown(wait=False, cancel_futures=True)
    with lock:
        return _outcomes(positions, dict(results), set(started), interrupted)


def _send(session: Any, prepared: Any, gate: Gate) -> Result:
    try:
        reply = session.send(prepared, wrap_client=gate.wrap)
    except ClaudeMagicError as error:
        return ("errored", None, error.message)
    except Exception as error:  # a row's failure, whatever it is, is that row's outcome
        return ("errored", None, f"{type(error).__name__}: {error}")
    return ("succeeded", reply.text, None)


def _finish(futures: list[Future[None]], stop: threading.Event, note: Callable[[str], None]) -> bool:
    """Wait for every row; True when the user interrupted (no more rows start; a second interrupt stops waiting)."""
    try:
        wait(futures)
        return False
    except KeyboardInterrupt:
        stop.set()
        for future in futures:
            future.cancel()
        note("interrupted: waiting for the rows in flight (interrupt again to stop waiting)")
    with suppress(KeyboardInterrupt):
        wait(futures)
    return True


def _outcomes(positions: Sequence[int], results: dict[int, Result], started: set[int], interrupted: bool) -> Outcomes:
    outcomes = Outcomes(interrupted=interrupted)
    for position in positions:
        missing: Result = ("canceled", None, ABANDONED if position in started else NOT_SENT)
        outcomes.add(position, *results.get(position, missing))
    return outcomes
