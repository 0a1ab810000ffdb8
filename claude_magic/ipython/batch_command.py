"""`%claude batch`: a DataFrame's rows as a Message Batch (or --sync), and the jobs' list, status, cancel, retry, wait.

    %claude batch FRAME --prompt "... {{row.col}} ..." --out COL [--schema NAME] [-a NAME ...] [--sync] [--overwrite]
    %claude batch list | status [ID] | cancel [ID] | retry [ID] | resume [ID] | wait [ID]

Without ID, the actions take the latest batch saved in this directory.

The cell returns once the batch is submitted; a progress bar follows it from a background thread
that only moves the bar. In a kernel, when the batch ends the thread hands the join to the kernel's
event loop, which runs it on the main thread between cells: FRAME gets its columns (see
claude_magic/batches/join.py) without another cell. Elsewhere (a terminal IPython), `wait ID` (or
`--wait`) blocks until it ended and joins; `resume ID` does the same after a kernel restart from
`.claude_magic/batches/ID.json`. Both say so and do nothing when the batch is already joined.
`--sync` sends the rows through the normal endpoint concurrently and joins before the cell returns.
No cloud platform has Message Batches: there a batch line without `--sync` is one line, nothing sent.
`--out` replacing columns that hold data is said before sending; replacing a column the prompt reads
needs `--overwrite`. Every request goes through the session's network policy (`Connection.api`), and
every failure or interrupt of a batch line is one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from ..batches.errors import BatchInputError, BatchStateError, batch_failure
from ..batches.store import Job, JobStore
from ..core.errors import CallInterrupted, ClaudeMagicError

ACTIONS = ("list", "status", "cancel", "retry", "resume", "wait")
OVERRIDES = ("model", "max_tokens", "system")


INTERRUPTED = (
    "the batch line was interrupted; nothing more was sent. A batch already submitted runs on: "
    "%claude batch list shows it."
)


def run_batch(host: Any, args: list[str]) -> Any:
    """The `%claude batch` handler (registered in commands.py); any failure is one line."""
    try:
        return _run_batch(host, args)
    except (ClaudeMagicError, UsageError, CallInterrupted):
        raise
    except KeyboardInterrupt:
        raise CallInterrupted(None, INTERRUPTED) from None
    except Exception as error:  # an SDK failure, or anything unforeseen: one line, never a traceback
        raise batch_failure(error, host.session.connection.policy) from None


def _run_batch(host: Any, args: list[str]) -> Any:
    if args and args[0] in ACTIONS:
        parsed = _action_args(args)
        _check_platform(host)
        return _ACTION_HANDLERS[args[0]](host, parsed)
    parsed = _parse_new(args)
    if not parsed.sync:
        _check_platform(host)
    return BatchCell(host, parsed).run()


def _check_platform(host: Any) -> None:
    """One line, nothing sent, when requests go through a cloud platform (none has Message Batches)."""
    from ..core.platforms import check_batches

    check_batches(host.session.connection.routed.name)


# -- parsing ------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage and exit
        raise UsageError(f"{self.prog}: {message}")


def _parse_new(args: list[str]) -> argparse.Namespace:
    parser = _Parser(prog="%claude batch", add_help=False)
    parser.add_argument("frame", metavar="FRAME")
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--schema")
    parser.add_argument("-m", "--model")
    parser.add_argument("--max-tokens", type=int)
    parser.add_argument("--system")
    parser.add_argument("-a", "--attach", nargs="+", default=[])
    parser.add_argument("--sync", action="store_true")
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--max-cost", type=float)
    parser.add_argument("--overwrite", action="store_true")
    parsed, extra = parser.parse_known_args(args)
    if extra:
        raise UsageError(f"%claude batch does not take {' '.join(extra)!r}")
    if parsed.concurrency is not None and not parsed.sync:
        raise UsageError("--concurrency goes with --sync; a Message Batch runs its rows itself")
    if parsed.concurrency is not None and parsed.concurrency < 1:
        raise UsageError(f"--concurrency must be 1 or more, not {parsed.concurrency}; nothing was sent")
    if not parsed.out.isidentifier():
        raise UsageError(f"--out must be a column name like sentiment, not {parsed.out!r}")
    return parsed


def _action_args(args: list[str]) -> argparse.Namespace:
    parser = _Parser(prog=f"%claude batch {args[0]}", add_help=False)
    if args[0] != "list":
        parser.add_argument("id", metavar="ID", nargs="?")
    if args[0] == "retry":
        parser.add_argument("--wait", action="store_true")
    parsed, extra = parser.parse_known_args(args[1:])
    if extra:
        raise UsageError(f"%claude batch {args[0]} does not take {' '.join(extra)!r}")
    return parsed


# -- a new batch -------------------------------------------------------------------------


class BatchCell:
    """One `%claude batch FRAME ...` line: checked and estimated before anything is sent."""

    def __init__(self, host: Any, args: argparse.Namespace, store: JobStore | None = None) -> None:
        self.host, self.args = host, args
        self.session = host.session
        self.namespace: dict[str, Any] = host.shell.user_ns
        self.store = store or job_store()

    def run(self, positions: list[int] | None = None, job: Job | None = None) -> Any:
        from ..batches.service import find_frame, row_prompts

        frame = find_frame(self.namespace, self.args.frame)
        ids, prompts, labels = row_prompts(frame, self.args.prompt, self.args.frame)
        shape = _shape(self.namespace, self.args.schema)
        if job is None:  # a retry writes into its own columns again
            self._check_out(frame, shape)
        rows, prepared = self._rows(ids, prompts, shape)
        positions = list(range(len(ids))) if positions is None else positions
        self._check_cost(rows, positions, prepared)
        if self.args.sync:
            return self._run_sync(frame, rows, prepared, positions, labels, shape)
        return self._submit(frame, rows, positions, labels, job)

    def _check_out(self, frame: Any, shape: Any) -> None:
        """Refuse to replace a column the prompt reads (unless --overwrite); say which columns' data is replaced."""
        from ..batches.join import replaced_columns
        from ..batches.template import parse_template

        replaced = replaced_columns(frame, self.args.out, shape, self.args.frame)
        read = [c for c in parse_template(self.args.prompt).columns if c in replaced]
        if read and not getattr(self.args, "overwrite", False):
            raise BatchInputError(
                f"--out {self.args.out} would replace {self.args.frame}[{read[0]!r}], which the prompt reads; "
                "choose another --out, or add --overwrite; nothing was sent"
            )
        if replaced:
            names = ", ".join(repr(c) for c in replaced)
            print(f"claude_magic: --out {self.args.out} replaces the data in {self.args.frame} column(s) {names}")

    def _rows(self, ids: list[str], prompts: list[str], shape: Any) -> tuple[Any, Any]:
        from .._planning import RequestOptions, shared_prefix
        from ..batches.requests import RowRequests, without_prompt
        from .references import build_content

        overrides = {k: getattr(self.args, k) for k in OVERRIDES if getattr(self.args, k) is not None}
        model = overrides.get("model", self.session.settings.model)
        content, records = build_content(
            list(self.args.attach), self.namespace, model=model, table_budget=self.host.table_token_budget
        )
        body = {"output_config": {"format": shape.format}} if shape is not None else None
        request = RequestOptions(history=False, content=content, attachments=records, overrides=overrides, body=body)
        prepared = self.session.prepare(prompts[0], request)
        base = shared_prefix(prepared.settings, without_prompt(prepared.unplanned))
        return RowRequests(base, tuple(ids), tuple(prompts)), prepared

    def _check_cost(self, rows: Any, positions: list[int], prepared: Any) -> None:
        from .._preflight import count_input_tokens
        from ..batches.estimate import estimate_batch
        from ..core.budget import Budget

        settings = prepared.settings
        budget = Budget(budget_usd=getattr(self.host, "budget_usd", None), max_cost=self.args.max_cost)
        cloud = self.session.connection.routed.cloud  # Bedrock's SDK client has no count_tokens
        estimate = estimate_batch(
            None if cloud else lambda request: count_input_tokens(self.session.connection.api, request),
            rows,
            positions,
            self.session.prices_for(settings.model),
            cache=settings.cache,
            batch=not self.args.sync,
        )
        budget.check(estimate.cost.high, _spent(self.session), model=settings.model)
        print(f"claude_magic: {estimate.line()}")

    def _submit(self, frame: Any, rows: Any, positions: list[int], labels: list[Any], job: Job | None) -> Any:
        from ..batches.requests import MAX_BYTES, MAX_REQUESTS
        from ..batches.service import submit

        client = self.session.connection.api()
        state: dict[str, Job | None] = {"job": job}

        def created(batch_id: str) -> None:
            current = state["job"]
            current = self._new_job(batch_id, rows, labels) if current is None else current.with_batch(batch_id)
            state["job"] = current
            self.store.save(current)

        submitted = submit(client, rows, positions, created)
        saved = state["job"]
        assert saved is not None
        if len(submitted.batch_ids) > 1:
            print(
                f"claude_magic: {len(positions):,} rows are over one batch's limits ({MAX_REQUESTS:,} requests or "
                f"{MAX_BYTES // 2**20} MB), so they went as {len(submitted.batch_ids)} batches: "
                + ", ".join(submitted.batch_ids)
            )
        part = "" if submitted.batch_ids[0] == saved.id else f" {submitted.batch_ids[0]} as part of"
        print(
            f"claude_magic: submitted{part} batch {saved.id} ({len(positions):,} requests), saved to "
            f"{self.store.path(saved.id)}; %claude batch wait {saved.id} joins the results into "
            f"{saved.frame}[{saved.out!r}]"
        )
        if self.args.wait:
            return wait_and_join(self.host, saved, self.store)
        follow(self.host, saved, self.store, list(submitted.batch_ids), len(positions))
        return None  # the poller runs on; the cell is done

    def _new_job(self, batch_id: str, rows: Any, labels: list[Any]) -> Job:
        import time

        return Job(
            id=batch_id,
            frame=self.args.frame,
            out=self.args.out,
            ids=rows.ids,
            labels=tuple(str(label) for label in labels),
            batches=(batch_id,),
            model=str(rows.base["model"]),
            schema=self.args.schema,
            created_at=time.time(),
            options=_options(self.args),
        )

    def _run_sync(
        self, frame: Any, rows: Any, prepared: Any, positions: list[int], labels: list[Any], shape: Any
    ) -> None:
        from ..batches.join import write_columns
        from ..batches.sync import DEFAULT_CONCURRENCY, run_sync

        bar = _bar(self.host, len(positions), f"{self.args.frame} (sync)")
        outcomes = run_sync(
            self.session,
            prepared,
            rows.params,
            lambda p: rows.prompts[p],
            positions,
            self.args.concurrency or DEFAULT_CONCURRENCY,
            bar.update,
        )
        job = Job("sync", self.args.frame, self.args.out, rows.ids, tuple(str(x) for x in labels), (), "")
        write_columns(frame, job, outcomes, shape)
        where = f"{self.args.frame}[{self.args.out!r}]"
        canceled = outcomes.statuses.count("canceled")
        failed = len(outcomes.positions) - outcomes.succeeded - canceled
        bar.close(f"{outcomes.succeeded:,} succeeded" + (f", {failed:,} errored" if failed else ""))
        if outcomes.interrupted:
            raise CallInterrupted(
                None,
                f"--sync was interrupted: the {len(outcomes.positions) - canceled:,} row(s) that finished are joined "
                f"into {where}; the other {canceled:,} are marked canceled in {self.args.out}_status.",
            )
        print(f"claude_magic: joined {len(outcomes.positions):,} rows into {where}")


# -- following, joining ----------------------------------------------------------------------


def follow(host: Any, job: Job, store: JobStore, batch_ids: list[str], total: int) -> Any:
    """A progress bar moved by a background poller; when the batch ends it joins in a kernel, else says how."""
    from ..batches.poll import Poller

    bar = _bar(host, total, f"batch {job.id}")
    on_main_thread = main_thread_scheduler(host.shell)

    def ended(seen: Any, error: BaseException | None) -> None:  # on the poller thread: only the bar and hand-off
        if error is not None:
            said = batch_failure(error, host.session.connection.policy).message
            bar.close(f"polling stopped: {said} Then %claude batch status {job.id}")
        elif on_main_thread is None:
            bar.close(f"{seen.note()}; ended: %claude batch wait {job.id} joins")
        else:
            bar.update(seen.done, f"{seen.note()}; ended, joining")
            on_main_thread(lambda: auto_join(host, job.id, store, bar))

    client = host.session.connection.api()
    return Poller(client, batch_ids, lambda seen: bar.update(seen.done, seen.note()), ended).start()


def main_thread_scheduler(shell: Any) -> Callable[[Callable[[], None]], None] | None:
    """The kernel's thread-safe `add_callback` (runs on its main thread, between cells); None outside a kernel.

    ipykernel 6 and 7 keep the main thread's tornado IOLoop as `kernel.io_loop` once started; its
    `add_callback` is safe to call from any thread (asyncio's `call_soon_threadsafe` underneath).
    """
    io_loop = getattr(getattr(shell, "kernel", None), "io_loop", None)
    add_callback = getattr(io_loop, "add_callback", None)
    return add_callback if callable(add_callback) else None


def auto_join(host: Any, job_id: str, store: JobStore, bar: Any) -> None:
    """Join an ended batch on the kernel's main thread; the outcome (or why not) goes on its progress bar."""
    from ..core.errors import ClaudeMagicError

    try:
        job = store.load(job_id)  # the saved state: a `wait` since submission may have joined it already
        if _all_joined(job):
            bar.close(f"already joined into {job.frame}[{job.out!r}]")
            return
        joined = join_job(host, job, store)
    except ClaudeMagicError as error:
        bar.close(f"not joined: {error.message}; then %claude batch wait {job_id}")
        return
    except Exception as error:  # no cell to report to: a failure shows on the bar, never in the kernel's loop
        bar.close(f"not joined ({type(error).__name__}: {error}); %claude batch wait {job_id}")
        return
    bar.close(joined.bar_note())


def wait_and_join(host: Any, job: Job, store: JobStore) -> None:
    """Block until every batch of the job ended (progress bar), then join what is not joined yet."""
    from ..batches.poll import wait_until_ended

    if _all_joined(job):
        print(f"claude_magic: batch {job.id} is already joined into {job.frame}[{job.out!r}]; nothing to do")
        return
    waiting = [b for b in job.batches if b not in job.joined]
    client = host.session.connection.api()
    bar = _bar(host, _rows_of(client, waiting), f"batch {job.id}")
    try:
        seen = wait_until_ended(client, waiting, lambda s: bar.update(s.done, s.note()), first_wait_s=0.05)
    except KeyboardInterrupt:
        bar.close("stopped waiting")
        line = f"stopped waiting for batch {job.id}; it runs on, and %claude batch wait {job.id} joins it later."
        raise CallInterrupted(None, line) from None
    bar.close(seen.note() if seen else "")
    print(f"claude_magic: {join_job(host, job, store).line()}")


@dataclass(frozen=True)
class Joined:
    """What a join did: the rows it wrote and the frame's status counts after it."""

    job: Job
    rows: int
    statuses: dict[str, int]

    def summary(self) -> str:
        return ", ".join(f"{count:,} {status}" for status, count in self.statuses.items())

    def failed(self) -> int:
        from ..batches.join import FAILED

        return sum(self.statuses.get(status, 0) for status in FAILED)

    def retry_hint(self) -> str:
        return (
            f"; %claude batch retry {self.job.id} resends the {self.failed():,} failed row(s)" if self.failed() else ""
        )

    def line(self) -> str:
        return (
            f"{self.job.frame}[{self.job.out!r}] joined from batch {self.job.id}: {self.summary()}{self.retry_hint()}"
        )

    def bar_note(self) -> str:
        where = f"{self.job.frame}[{self.job.out!r}]"
        return f"joined {self.rows:,} rows into {where} ({self.summary()}){self.retry_hint()}"


def join_job(host: Any, job: Job, store: JobStore) -> Joined:
    """Join every ended, unjoined batch of `job` into its frame, recording each in the ledger once."""
    from ..batches.service import ended_batches, find_frame, join_batch

    session, namespace = host.session, host.shell.user_ns
    frame = find_frame(namespace, job.frame)
    shape = _shape(namespace, job.schema)
    client = session.connection.api()
    rows = 0
    for batch in ended_batches(client, job):
        outcomes = join_batch(client, job, batch, frame, job.frame, shape)
        rows += len(outcomes.positions)
        if batch.id not in job.recorded:
            _record(session, job, batch, outcomes)
        job = job.mark(joined=batch.id, recorded=batch.id)
        store.save(job)
    column = f"{job.out}_status"
    statuses = frame[column].value_counts().to_dict() if column in frame.columns else {}
    return Joined(job, rows, statuses)


# -- the actions ---------------------------------------------------------------------------


def _list(host: Any, args: argparse.Namespace) -> Any:
    import pandas as pd

    saved = {b: job for job in job_store().all() for b in job.batches}
    rows = []
    for batch in host.session.connection.api().messages.batches.list(limit=100):
        job = saved.get(batch.id)
        state = {"status": batch.processing_status, **batch.request_counts.model_dump()}
        rows.append({**_saved_columns(batch.id, job), **state, "created_at": batch.created_at})
    listed = {row["batch"] for row in rows}
    unlisted = [b for b in saved if b not in listed]
    rows += [{**_saved_columns(b, saved[b]), "status": "not listed by the API"} for b in unlisted]
    return pd.DataFrame(rows)


def _saved_columns(batch_id: str, job: Job | None) -> dict[str, Any]:
    """What the saved job file says of an API batch (None for a batch started elsewhere)."""
    known = job is not None
    return {
        "batch": batch_id,
        "job": job.id if known else None,
        "frame": job.frame if known else None,
        "out": job.out if known else None,
        "joined": known and batch_id in job.joined,
    }


def _status(host: Any, args: argparse.Namespace) -> None:
    from ..batches.poll import snapshot

    job = job_store().load(args.id)
    seen = snapshot(host.session.connection.api(), job.batches)
    state = "ended" if seen.ended else "in progress"
    joined = f", {len(job.joined)} of {len(job.batches)} batch(es) joined" if job.joined else ""
    print(f"claude_magic: batch {job.id} ({job.frame} -> {job.out}): {state}; {seen.note()}{joined}")


def _cancel(host: Any, args: argparse.Namespace) -> None:
    job = job_store().load(args.id)
    client = host.session.connection.api()
    for batch_id in job.batches:
        if client.messages.batches.retrieve(batch_id).processing_status == "in_progress":
            client.messages.batches.cancel(batch_id)
    print(f"claude_magic: cancelling batch {job.id}; rows it had not run end 'canceled'; %claude batch wait {job.id}")


def _wait(host: Any, args: argparse.Namespace) -> None:
    store = job_store()
    wait_and_join(host, store.load(args.id), store)


def _resume(host: Any, args: argparse.Namespace) -> None:
    store = job_store()
    job = store.load(args.id)
    print(f"claude_magic: re-attached to batch {job.id} from {store.path(job.id)}")
    wait_and_join(host, job, store)


def _retry(host: Any, args: argparse.Namespace) -> Any:
    from ..batches.join import check_frame, failed_positions
    from ..batches.service import find_frame

    store = job_store()
    job = store.load(args.id)
    if not _all_joined(job):
        raise BatchStateError(f"batch {job.id} has results not joined yet; run %claude batch wait {job.id} first")
    frame = find_frame(host.shell.user_ns, job.frame)
    check_frame(frame, job, job.frame)
    positions = failed_positions(frame, job)
    if not positions:
        print(f"claude_magic: every row of batch {job.id} has a result; nothing to retry")
        return None
    options = argparse.Namespace(**{**job.options, "frame": job.frame, "out": job.out, "schema": job.schema})
    options.wait, options.sync, options.concurrency = args.wait, False, None
    cell = BatchCell(host, options, store)
    print(f"claude_magic: resending {len(positions):,} failed row(s) of batch {job.id}")
    return cell.run(positions, job)


_ACTION_HANDLERS = {
    "list": _list,
    "status": _status,
    "cancel": _cancel,
    "retry": _retry,
    "resume": _resume,
    "wait": _wait,
}


# -- helpers -------------------------------------------------------------------------------


def job_store() -> JobStore:
    """The saved jobs under the current directory; a file that is not a job is named in one line and skipped."""
    return JobStore(warn=lambda line: print(f"claude_magic: {line}"))


def _shape(namespace: dict[str, Any], schema: str | None) -> Any:
    if schema is None:
        return None
    if schema not in namespace:
        raise BatchInputError(f"--schema {schema}: no such name in the notebook; define the model first")
    from ..tools.structured import output_schema

    return output_schema(namespace[schema], schema)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    keep = ("prompt", "model", "max_tokens", "system", "attach", "max_cost")
    return {key: getattr(args, key) for key in keep}


def _record(session: Any, job: Job, batch: Any, outcomes: Any) -> None:
    from ..batches.service import batch_record

    prices = session.prices_for(job.model)
    session.record_batch(lambda call: batch_record(call, job, batch, outcomes, prices, session.prices_for))


def _spent(session: Any) -> float:
    return sum(record.cost_usd or 0.0 for record in session.usage.records)


def _all_joined(job: Job) -> bool:
    return all(batch_id in job.joined for batch_id in job.batches)


def _rows_of(client: Any, batch_ids: list[str]) -> int:
    from ..batches.poll import snapshot

    return snapshot(client, batch_ids).total


def _bar(host: Any, total: int, title: str) -> Any:
    from ..ui.progress import progress_bar

    shell = host.shell
    widgets = getattr(shell, "kernel", None) is not None and getattr(host, "display", "auto") == "auto"
    return progress_bar(total, title, widgets=widgets and _has_ipywidgets())


def _has_ipywidgets() -> bool:
    from importlib.util import find_spec

    return find_spec("ipywidgets") is not None
