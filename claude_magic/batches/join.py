"""Batch results -> the frame's new columns, in row order; failed rows keep their reason.

`--out COL` writes, into the user's own DataFrame (as `df["col"] = ...` would):
- `COL`: the reply text (without --schema), or with `--schema` one typed column per schema field,
  named `COL_field` (a pydantic model, dataclass or TypedDict's fields, typed as `--as-frame` types them);
- `COL_status`: succeeded | errored | expired | canceled | invalid_output | pending;
- `COL_error`: why the row has no result (None for succeeded rows).
A later join (retry, resume) fills only the rows it has results for; other rows keep their values.
A column name the frame has twice is one line (which of the two would be meant?), never a crash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ClaudeMagicError
from ..core.usage import Usage, add_usage, usage_from_api
from .errors import BatchInputError, BatchStateError
from .store import Job

STATUSES = ("succeeded", "errored", "expired", "canceled", "invalid_output", "pending")
FAILED = ("errored", "expired", "canceled", "invalid_output")
_REASONS = {
    "expired": "expired: the batch reached its 24-hour limit before this request ran",
    "canceled": "canceled: the batch was cancelled before this request ran",
}


@dataclass
class Outcomes:
    """What one batch's results say, by row position, before they are written into the frame."""

    positions: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    texts: list[str | None] = field(default_factory=list)
    errors: list[str | None] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    succeeded: int = 0
    interrupted: bool = False  # --sync: the user stopped it; rows not run are `canceled`

    def add(self, position: int, status: str, text: str | None, error: str | None) -> None:
        self.positions.append(position)
        self.statuses.append(status)
        self.texts.append(text)
        self.errors.append(error)
        self.succeeded += status == "succeeded"


def read_results(job: Job, results: Iterable[Any]) -> Outcomes:
    """Fold the SDK's result objects (streamed) into Outcomes; the usage of succeeded rows is summed."""
    where = {custom_id: position for position, custom_id in enumerate(job.ids)}
    outcomes = Outcomes()
    for item in results:
        position = where.get(item.custom_id)
        if position is None:
            continue  # not one of this job's rows (cannot happen with our own ids)
        result = item.result
        if result.type == "succeeded":
            message = result.message
            text = "".join(block.text for block in message.content if block.type == "text")
            outcomes.add(position, "succeeded", text, None)
            outcomes.usage = add_usage(outcomes.usage, usage_from_api(message.usage.model_dump()))
        elif result.type == "errored":
            error = result.error.error
            outcomes.add(position, "errored", None, f"{error.type}: {error.message}")
        else:
            outcomes.add(position, result.type, None, _REASONS.get(result.type, result.type))
    return outcomes


def output_columns(out: str, shape: Any = None) -> list[str]:
    """The columns a join writes for `--out out` (with `--schema`, one per field of its schema)."""
    schema = shape.format.get("schema", {}) if shape is not None else {}
    fields = schema.get("properties") if isinstance(schema, dict) else None
    named = [out] if shape is None else [f"{out}_{field}" for field in fields or ()]
    return [*named, f"{out}_status", f"{out}_error"]


def replaced_columns(frame: Any, out: str, shape: Any, name: str) -> list[str]:
    """The columns a join would write that already hold data in `frame`."""
    columns = output_columns(out, shape)
    check_unique(frame, columns, name)
    return [column for column in columns if column in frame.columns and frame[column].notna().any()]


def check_unique(frame: Any, names: Sequence[str], name: str) -> None:
    """BatchInputError when `frame` has two columns named like one of `names` (read or written by a batch)."""
    counts = Counter(str(column) for column in frame.columns)
    twice = next((column for column in names if counts[column] > 1), None)
    if twice is not None:
        raise BatchInputError(
            f"{name} has {counts[twice]} columns named {twice!r}; rename them so each name is one column "
            f"(e.g. {name}.columns = [...]), then run this again"
        )


def check_frame(frame: Any, job: Job, name: str) -> None:
    """BatchStateError when `frame` is not the frame the job was built from (length or index changed)."""
    check_unique(frame, output_columns(job.out), name)
    if len(frame) != len(job.ids) or [str(label) for label in frame.index] != list(job.labels):
        raise BatchStateError(
            f"{name} changed since batch {job.id} was sent ({len(job.ids)} rows then, {len(frame)} now, or a "
            "different index); restore it, or join into a copy with the original rows"
        )


def write_columns(frame: Any, job: Job, outcomes: Outcomes, shape: Any = None) -> None:
    """Write the outcomes into `frame` (see the module docstring for the columns)."""
    check_unique(frame, output_columns(job.out, shape), job.frame)
    statuses, errors = list(outcomes.statuses), list(outcomes.errors)
    if shape is None:
        _put(frame, job.out, outcomes.positions, outcomes.texts, "string")
    else:
        _put_fields(frame, job.out, outcomes, shape, statuses, errors)
    _put(frame, f"{job.out}_status", outcomes.positions, statuses, None, default="pending")
    _put(frame, f"{job.out}_error", outcomes.positions, errors, None)


def failed_positions(frame: Any, job: Job) -> list[int]:
    """Row positions whose status column says they have no result (for retry)."""
    column = f"{job.out}_status"
    if column not in frame.columns:
        return list(range(len(job.ids)))
    return [i for i, status in enumerate(frame[column].tolist()) if status in FAILED]


def _put_fields(frame: Any, out: str, outcomes: Outcomes, shape: Any, statuses: list[str], errors: list[Any]) -> None:
    """Parse each succeeded reply with the schema; fields become typed `out_field` columns."""
    from ..tools.structured import as_frame

    parsed, kept = [], []
    for slot, text in enumerate(outcomes.texts):
        if statuses[slot] != "succeeded":
            continue
        try:
            parsed.append(shape.parse(text or ""))
            kept.append(outcomes.positions[slot])
        except ClaudeMagicError as error:
            statuses[slot], errors[slot] = "invalid_output", f"invalid_output: {error.message}"
    if not parsed:
        return
    typed = as_frame(parsed)
    for column in typed.columns:
        _put(frame, f"{out}_{column}", kept, typed[column], typed[column].dtype)


def _put(frame: Any, name: str, positions: list[int], values: Any, dtype: Any, default: Any = None) -> None:
    """Set `frame[name]` at `positions` (row positions), creating the column (all `default`) if needed."""
    import pandas as pd

    column = frame[name].astype(object).tolist() if name in frame.columns else [default] * len(frame)
    for position, value in zip(positions, list(values), strict=True):
        column[position] = None if value is pd.NA else value
    series = pd.Series(column, index=frame.index, dtype=object)
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = "category"  # the categories of every join so far, not only this one's
    frame[name] = series.astype(dtype) if dtype is not None else series
