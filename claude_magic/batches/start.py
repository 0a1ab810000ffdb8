"""A new batch line: its rows checked, built and priced before anything is sent; then submitted, or sent --sync.

`plan_batch` raises before any request (an empty frame, a missing column, a cap the estimate could
cross, `--out` over a column the prompt reads); `submit` saves the job after each API batch is
created, so a restart finds every batch that exists; `send_sync` joins before it returns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..core.errors import CallInterrupted
from .errors import BatchInputError
from .host import BatchHost
from .requests import MAX_BYTES, MAX_REQUESTS, RowRequests
from .store import Job, JobStore

SAVED_OPTIONS = ("prompt", "model", "max_tokens", "system", "attach", "max_cost")  # what retry resends with


@dataclass(frozen=True)
class BatchSpec:
    """What a `%claude batch FRAME ...` line asks for."""

    frame: str
    prompt: str
    out: str
    schema: str | None = None
    model: str | None = None
    max_tokens: int | None = None
    system: str | None = None
    attach: tuple[str, ...] = ()
    max_cost: float | None = None
    sync: bool = False
    concurrency: int | None = None
    wait: bool = False
    overwrite: bool = False

    def overrides(self) -> dict[str, Any]:
        """The settings this line overrides for its rows."""
        given = {"model": self.model, "max_tokens": self.max_tokens, "system": self.system}
        return {key: value for key, value in given.items() if value is not None}

    def saved_options(self) -> dict[str, Any]:
        """The options a job file keeps for retry (store.py checks them when read back)."""
        return {key: list(self.attach) if key == "attach" else getattr(self, key) for key in SAVED_OPTIONS}

    @classmethod
    def of_job(cls, job: Job, *, wait: bool) -> BatchSpec:
        """The line that made `job`, from its saved options (a retry)."""
        saved: dict[str, Any] = {key: job.options.get(key) for key in SAVED_OPTIONS}
        saved["attach"] = tuple(saved["attach"] or ())
        return cls(frame=job.frame, out=job.out, schema=job.schema, wait=wait, **saved)


@dataclass(frozen=True)
class Plan:
    """A checked, priced batch line, ready to send: every row's request and the positions to send."""

    spec: BatchSpec
    frame: Any
    rows: RowRequests
    prepared: Any  # the Prepared of the first row: the settings and chat the rows share
    positions: list[int]
    labels: list[Any]
    shape: Any  # the --schema's OutputSchema, or None


def plan_batch(session: Any, host: BatchHost, spec: BatchSpec, positions: list[int] | None, retry: bool) -> Plan:
    """Check and price the line (nothing is sent but token counting); `positions` None means every row."""
    from .service import find_frame, row_prompts, schema_shape

    frame = find_frame(host.namespace, spec.frame)
    ids, prompts, labels = row_prompts(frame, spec.prompt, spec.frame)
    shape = schema_shape(host.namespace, spec.schema)
    if not retry:  # a retry writes into its own columns again
        _check_out(host, spec, frame, shape)
    rows, prepared = _rows(session, host, spec, (ids, prompts), shape)
    positions = list(range(len(ids))) if positions is None else positions
    _check_cost(session, host, spec, (rows, positions), prepared.settings)
    return Plan(spec, frame, rows, prepared, positions, labels, shape)


def _check_out(host: BatchHost, spec: BatchSpec, frame: Any, shape: Any) -> None:
    """Refuse to replace a column the prompt reads (unless --overwrite); say which columns' data is replaced."""
    from .join import replaced_columns
    from .template import parse_template

    replaced = replaced_columns(frame, spec.out, shape, spec.frame)
    read = [c for c in parse_template(spec.prompt).columns if c in replaced]
    if read and not spec.overwrite:
        raise BatchInputError(
            f"--out {spec.out} would replace {spec.frame}[{read[0]!r}], which the prompt reads; "
            "choose another --out, or add --overwrite; nothing was sent"
        )
    if replaced:
        names = ", ".join(repr(c) for c in replaced)
        host.say(f"--out {spec.out} replaces the data in {spec.frame} column(s) {names}")


def _rows(
    session: Any, host: BatchHost, spec: BatchSpec, texts: tuple[list[str], list[str]], shape: Any
) -> tuple[RowRequests, Any]:
    from .._planning import RequestOptions, shared_prefix
    from .requests import without_prompt

    ids, prompts = texts
    overrides = spec.overrides()
    content, records = host.attach(list(spec.attach), overrides.get("model", session.settings.model))
    body = {"output_config": {"format": shape.format}} if shape is not None else None
    request = RequestOptions(history=False, content=content, attachments=records, overrides=overrides, body=body)
    prepared = session.prepare(prompts[0], request)
    base = shared_prefix(prepared.settings, without_prompt(prepared.unplanned))
    return RowRequests(base, tuple(ids), tuple(prompts)), prepared


def _check_cost(
    session: Any, host: BatchHost, spec: BatchSpec, sending: tuple[RowRequests, list[int]], settings: Any
) -> None:
    from .._edge.preflight import count_input_tokens
    from ..core.budget import Budget
    from .estimate import estimate_batch

    rows, positions = sending
    connection = session.connection
    estimate = estimate_batch(
        (lambda request: count_input_tokens(connection.api, request)) if connection.routed.entry.count_tokens else None,
        rows,  # a platform whose SDK client has no count_tokens (Bedrock's) has every row estimated locally
        positions,
        session.prices_for(settings.model),
        cache=settings.cache,
        batch=not spec.sync,
    )
    Budget(budget_usd=session.budget_usd, max_cost=spec.max_cost).check(
        estimate.cost.high, session.spent, model=settings.model
    )
    host.say(estimate.line())


def submit(client: Any, store: JobStore, host: BatchHost, plan: Plan, job: Job | None) -> tuple[Job, list[str]]:
    """Create the API batches (split to fit), saving the job after each; the job and its new batch ids."""
    from .service import submit as create

    state: dict[str, Job | None] = {"job": job}

    def created(batch_id: str) -> None:
        current = state["job"]
        current = _new_job(plan, batch_id) if current is None else current.with_batch(batch_id)
        state["job"] = current
        store.save(current)

    submitted = create(client, plan.rows, plan.positions, created)
    saved = state["job"]
    assert saved is not None
    _say_submitted(host, store, saved, list(submitted.batch_ids), len(plan.positions))
    return saved, list(submitted.batch_ids)


def _say_submitted(host: BatchHost, store: JobStore, job: Job, batch_ids: list[str], rows: int) -> None:
    if len(batch_ids) > 1:
        host.say(
            f"{rows:,} rows are over one batch's limits ({MAX_REQUESTS:,} requests or "
            f"{MAX_BYTES // 2**20} MB), so they went as {len(batch_ids)} batches: " + ", ".join(batch_ids)
        )
    part = "" if batch_ids[0] == job.id else f" {batch_ids[0]} as part of"
    host.say(
        f"submitted{part} batch {job.id} ({rows:,} requests), saved to {store.path(job.id)}; "
        f"%claude batch wait {job.id} joins the results into {job.frame}[{job.out!r}]"
    )


def _new_job(plan: Plan, batch_id: str) -> Job:
    spec = plan.spec
    return Job(
        id=batch_id,
        frame=spec.frame,
        out=spec.out,
        ids=plan.rows.ids,
        labels=tuple(str(label) for label in plan.labels),
        batches=(batch_id,),
        model=str(plan.rows.base["model"]),
        schema=spec.schema,
        created_at=time.time(),
        options=spec.saved_options(),
    )


def send_sync(session: Any, host: BatchHost, plan: Plan) -> None:
    """--sync: every row through the normal endpoint, concurrently; joined before it returns."""
    from .join import write_columns
    from .sync import DEFAULT_CONCURRENCY, run_sync

    spec, rows = plan.spec, plan.rows
    bar = host.bar(len(plan.positions), f"{spec.frame} (sync)")
    concurrency = spec.concurrency or DEFAULT_CONCURRENCY
    outcomes = run_sync(
        session, plan.prepared, rows.params, lambda p: rows.prompts[p], plan.positions, concurrency, bar.update
    )
    job = Job("sync", spec.frame, spec.out, rows.ids, tuple(str(x) for x in plan.labels), (), "")
    write_columns(plan.frame, job, outcomes, plan.shape)
    where = f"{spec.frame}[{spec.out!r}]"
    canceled = outcomes.statuses.count("canceled")
    failed = len(outcomes.positions) - outcomes.succeeded - canceled
    bar.close(f"{outcomes.succeeded:,} succeeded" + (f", {failed:,} errored" if failed else ""))
    if outcomes.interrupted:
        raise CallInterrupted(
            None,
            f"--sync was interrupted: the {len(outcomes.positions) - canceled:,} row(s) that finished are joined "
            f"into {where}; the other {canceled:,} are marked canceled in {spec.out}_status.",
        )
    host.say(f"joined {len(outcomes.positions):,} rows into {where}")
