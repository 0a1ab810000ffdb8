"""The session's records of what it did: the usage ledger, its numbered rows for every call, and the autosave lines."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .core.usage import Ledger

if TYPE_CHECKING:
    import matplotlib.figure
    import pandas

    from .core.models import Prices
    from .core.transcript import Reply
    from .core.usage import CallRecord
    from .ui.usage_table import UsageSummary

_LOCK = threading.Lock()


class UsageLedger(Ledger):
    """The per-call ledger, exportable to pandas and plotted as the cache and cost dashboard."""

    def to_dataframe(self) -> pandas.DataFrame:
        from ._transcripts.frames import usage_frame

        return usage_frame(self)

    def summary(self, caption: str = "") -> UsageSummary:
        """Calls, tokens, cache hit rate and cost by chat and model, with a totals row; `.frame` is every column."""
        from .ui.usage_table import UsageSummary

        snapshot = UsageLedger()  # the summary and its .frame hold the same calls, whatever runs later
        snapshot.records = list(self.records)
        return UsageSummary(snapshot.records, snapshot.to_dataframe, caption)

    def plot(self) -> matplotlib.figure.Figure:
        """The cache and cost dashboard as a static matplotlib Figure."""
        from .ui.dashboard import dashboard_figure

        return dashboard_figure(self)


def append_row(usage: UsageLedger, record: Callable[[int], CallRecord]) -> CallRecord:
    """Append the row `record(call_number)` builds, numbered under the lock (rows come from several threads)."""
    with _LOCK:  # numbering and appending must not interleave between threads
        row = record(usage.next_call_number())
        usage.append(row)
    return row


def reply_row(
    reply: Reply, error: str | None, replay_key: str | None, price_of: Callable[[str], Prices | None]
) -> Callable[[int], CallRecord]:
    """The ledger row of one streamed call (`error` None when it completed), for `append_row`."""
    from .core.usage import CallRecord, cost_without_cache_usd

    def row(call: int) -> CallRecord:
        return CallRecord(
            call=call,
            chat=reply.chat,
            model=reply.model,
            started_at=reply.started_at or 0.0,
            ttft_s=reply.ttft_s,
            duration_s=reply.duration_s or 0.0,
            usage=reply.usage,
            cost_usd=reply.cost_usd,
            cost_without_cache_usd=cost_without_cache_usd(reply.usage, price_of(reply.model), price_of=price_of),
            stop_reason=reply.stop_reason,
            request_id=reply.request_id,
            message_id=reply.message_id or None,
            error=error,
            cache_miss_reason=reply.cache_miss_reason,
            refusal=reply.refusal or None,
            replay_key=replay_key,
        )

    return row


def autosave(path: str | None, record: dict[str, Any], notify: Callable[[str, str], None]) -> None:
    """Append `record` to the autosave file, if one is set; a write failure warns and never fails the cell."""
    if not path:
        return
    from ._transcripts.jsonl import append_record

    try:
        append_record(path, record)
    except (OSError, ValueError) as error:  # ValueError: text JSON cannot encode, e.g. a lone surrogate
        notify(f"autosave:{error}", f"autosave to {path} failed: {error}")
