"""A batch job's pieces: rows from a frame, the API batches they go as (split to fit), their ledger row.

Used by the batch runner (runner.py, start.py); knows nothing of IPython.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.usage import CallRecord, Usage, cost_usd, cost_without_cache_usd
from .errors import BatchInputError, BatchStateError
from .ids import custom_ids
from .join import Outcomes, check_unique
from .requests import RowRequests
from .store import Job
from .template import INDEX, parse_template

BATCH_CHAT = "batch"  # the ledger's chat column for batch rows


def row_prompts(frame: Any, prompt: str, name: str) -> tuple[list[str], list[str], list[Any]]:
    """(custom_ids, prompts, index labels) of every row; empty frames and missing columns are one line."""
    if len(frame) == 0:
        raise BatchInputError(f"{name} has no rows; nothing was sent")
    template = parse_template(prompt)
    template.check(list(frame.columns), name)
    check_unique(frame, template.columns, name)
    by_name = {str(column): column for column in frame.columns}
    labels = frame.index.tolist()
    columns = {field: frame[by_name[field]].tolist() for field in template.columns}
    columns[INDEX] = labels
    fields = list(columns)
    prompts = [template.fill(dict(zip(fields, values, strict=True))) for values in zip(*columns.values(), strict=True)]
    return custom_ids(labels), prompts, labels


@dataclass(frozen=True)
class Submitted:
    """The API batches one submission created, in order, with how many rows each carries."""

    batch_ids: tuple[str, ...]
    sizes: tuple[int, ...]


def submit(client: Any, rows: RowRequests, positions: Sequence[int], on_created: Callable[[str], None]) -> Submitted:
    """Create one API batch per chunk of `positions`; `on_created(batch_id)` runs after each (to persist it)."""
    ids, sizes = [], []
    for chunk in rows.chunks(positions):
        batch = client.messages.batches.create(requests=rows.entries(chunk))
        ids.append(batch.id)
        sizes.append(len(chunk))
        on_created(batch.id)
    return Submitted(tuple(ids), tuple(sizes))


def batch_record(call: int, job: Job, batch: Any, outcomes: Outcomes, prices: Any, price_of: Any) -> CallRecord:
    """The ledger row of one API batch: its rows' summed usage at batch prices, and its request count."""
    created = batch.created_at.timestamp()
    ended = batch.ended_at.timestamp() if batch.ended_at else time.time()
    failed = len(outcomes.positions) - outcomes.succeeded
    usage: Usage = outcomes.usage
    return CallRecord(
        call=call,
        chat=BATCH_CHAT,
        model=job.model,
        started_at=created,
        ttft_s=None,
        duration_s=max(0.0, ended - created),
        usage=usage,
        cost_usd=cost_usd(usage, prices, batch=True, price_of=price_of),
        cost_without_cache_usd=cost_without_cache_usd(usage, prices, batch=True, price_of=price_of),
        stop_reason=None,
        request_id=None,
        message_id=batch.id,
        error=f"{failed} of {len(outcomes.positions)} requests without a result" if failed else None,
        kind="batch",
        requests=len(outcomes.positions),
    )


def find_frame(namespace: Mapping[str, Any], name: str) -> Any:
    """The DataFrame named `name` in the notebook; one line when it is missing or not a DataFrame."""
    if name not in namespace:
        raise BatchStateError(f"no DataFrame named {name!r} in the notebook; load it first, then run this again")
    frame = namespace[name]
    if not (hasattr(frame, "columns") and hasattr(frame, "index") and hasattr(frame, "iloc")):
        raise BatchInputError(f"{name} is a {type(frame).__name__}, not a DataFrame; nothing was sent")
    return frame


def schema_shape(namespace: Mapping[str, Any], schema: str | None) -> Any:
    """The OutputSchema of `--schema NAME` (a model defined in the notebook), or None without one."""
    if schema is None:
        return None
    if schema not in namespace:
        raise BatchInputError(f"--schema {schema}: no such name in the notebook; define the model first")
    from ..tools.structured import output_schema

    return output_schema(namespace[schema], schema)
