"""Concurrent asks: the warnings machinery survives, and the ledger counts every call exactly once."""

from __future__ import annotations

import sys
import threading
import warnings

import pytest

from claude_magic import Session

THREADS, ASKS = 4, 40


@pytest.fixture
def eager_thread_switches():
    """Switch threads as often as possible, so races show up within a short run."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_concurrent_asks_leave_warnings_working_and_count_every_call(make_client, eager_thread_switches):
    session = Session(client=make_client())
    failures: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            for ask in range(ASKS):
                session.ask(f"thread {number} ask {ask}", history=False)
        except BaseException as error:  # any failure must fail the test, not vanish with the thread
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures and not any(thread.is_alive() for thread in threads)
    calls = [record.call for record in session.usage.records]
    assert sorted(calls) == list(range(1, THREADS * ASKS + 1))
    assert all(record.error is None for record in session.usage.records)
    assert not warnings.filters or warnings.filters[0][0] != "always"  # no catch_warnings left behind
    with pytest.warns(UserWarning, match="still shown"):
        warnings.warn("still shown", UserWarning, stacklevel=1)
