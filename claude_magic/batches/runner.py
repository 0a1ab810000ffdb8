"""A batch job's life: start it, follow it, wait for it, join it, retry its failed rows, cancel it, list them all.

`BatchRunner` is the one owner of a batch line's work below IPython: every API call goes through
the session's `Connection.api()` (its network policy: timeout, retries), and `join` is the one
join: `wait`, `resume` and the kernel-side join after `follow` all go through it, so each API batch
is written into its frame and recorded in the ledger once. A poller thread only moves the bar and
hands the join to the kernel's main thread (`BatchHost.main_thread`); outside a kernel it says how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.errors import CallInterrupted, ClaudeMagicError
from .errors import BatchStateError, batch_failure
from .host import Bar, BatchHost
from .join import FAILED
from .start import BatchSpec, plan_batch, send_sync, submit
from .store import Job, JobStore

ACTIONS = ("list", "status", "cancel", "retry", "resume", "wait")


@dataclass(frozen=True)
class Joined:
    """What a join did: the rows it wrote and the frame's status counts after it."""

    job: Job
    rows: int
    statuses: dict[str, int]

    def summary(self) -> str:
        return ", ".join(f"{count:,} {status}" for status, count in self.statuses.items())

    def failed(self) -> int:
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


class BatchRunner:
    """The batch lines of one session in one notebook; saved jobs live in `store` (default: under the cwd)."""

    def __init__(self, session: Any, host: BatchHost, store: JobStore | None = None) -> None:
        self.session, self.host = session, host
        self.store = store or JobStore(warn=host.say)  # a file that is not a job is named in one line and skipped

    def client(self) -> Any:
        """The SDK client with the session's network policy applied."""
        return self.session.connection.api()

    def check_platform(self) -> None:
        """One line, nothing sent, when requests go through a cloud platform (none has Message Batches)."""
        from ..core.platforms import check_batches

        check_batches(self.session.connection.routed.name)

    def failure(self, error: Exception) -> ClaudeMagicError:
        """One line for a failed batch request (a batch the API does not have says what to do)."""
        return batch_failure(error, self.session.connection.policy)

    # -- a new batch ------------------------------------------------------------------------

    def start(self, spec: BatchSpec, positions: list[int] | None = None, job: Job | None = None) -> None:
        """Check, price and send a batch line (a retry: `positions` of `job`); then wait, or follow it."""
        if not spec.sync:
            self.check_platform()
        plan = plan_batch(self.session, self.host, spec, positions, retry=job is not None)
        if spec.sync:
            send_sync(self.session, self.host, plan)
            return
        saved, batch_ids = submit(self.client(), self.store, self.host, plan, job)
        if spec.wait:
            self.wait(saved)
            return
        self.follow(saved, batch_ids, len(plan.positions))  # the poller runs on; the cell is done

    def act(self, action: str, job_id: str | None, *, wait: bool = False) -> Any:
        """Run one of ACTIONS on the saved job `job_id` (None: the latest); `list` returns a DataFrame."""
        self.check_platform()
        if action == "list":
            return self.listing()
        if action == "retry":
            return self.retry(job_id, wait=wait)
        job = self.store.load(job_id)
        if action == "resume":
            self.host.say(f"re-attached to batch {job.id} from {self.store.path(job.id)}")
        handlers = {"status": self.status, "cancel": self.cancel, "wait": self.wait, "resume": self.wait}
        handlers[action](job)
        return None

    def retry(self, job_id: str | None, *, wait: bool) -> None:
        """Resend the rows of a joined job that have no result, into the same columns."""
        from .join import check_frame, failed_positions
        from .service import find_frame

        job = self.store.load(job_id)
        if not _all_joined(job):
            raise BatchStateError(f"batch {job.id} has results not joined yet; run %claude batch wait {job.id} first")
        frame = find_frame(self.host.namespace, job.frame)
        check_frame(frame, job, job.frame)
        positions = failed_positions(frame, job)
        if not positions:
            self.host.say(f"every row of batch {job.id} has a result; nothing to retry")
            return
        self.host.say(f"resending {len(positions):,} failed row(s) of batch {job.id}")
        self.start(BatchSpec.of_job(job, wait=wait), positions, job)

    # -- following, waiting, joining ------------------------------------------------------------

    def follow(self, job: Job, batch_ids: list[str], total: int) -> Any:
        """A bar moved by a background poller; when the batch ends it joins in a kernel, else says how."""
        from .poll import Poller

        bar = self.host.bar(total, f"batch {job.id}")
        on_main_thread = self.host.main_thread()

        def ended(seen: Any, error: BaseException | None) -> None:  # on the poller thread: only the bar and hand-off
            if error is not None:
                said = self.failure(error).message if isinstance(error, Exception) else str(error)
                bar.close(f"polling stopped: {said} Then %claude batch status {job.id}")
            elif on_main_thread is None:
                bar.close(f"{seen.note()}; ended: %claude batch wait {job.id} joins")
            else:
                bar.update(seen.done, f"{seen.note()}; ended, joining")
                on_main_thread(lambda: self.auto_join(job.id, bar))

        return Poller(self.client(), batch_ids, lambda seen: bar.update(seen.done, seen.note()), ended).start()

    def auto_join(self, job_id: str, bar: Bar) -> None:
        """Join an ended batch on the kernel's main thread; the outcome (or why not) goes on its progress bar."""
        try:
            job = self.store.load(job_id)  # the saved state: a `wait` since submission may have joined it already
            if _all_joined(job):
                bar.close(f"already joined into {job.frame}[{job.out!r}]")
                return
            joined = self.join(job)
        except ClaudeMagicError as error:
            bar.close(f"not joined: {error.message}; then %claude batch wait {job_id}")
            return
        except Exception as error:  # no cell to report to: a failure shows on the bar, never in the kernel's loop
            bar.close(f"not joined ({type(error).__name__}: {error}); %claude batch wait {job_id}")
            return
        bar.close(joined.bar_note())

    def wait(self, job: Job) -> None:
        """Block until every batch of the job ended (progress bar), then join what is not joined yet."""
        from .poll import snapshot, wait_until_ended

        if _all_joined(job):
            self.host.say(f"batch {job.id} is already joined into {job.frame}[{job.out!r}]; nothing to do")
            return
        waiting = [b for b in job.batches if b not in job.joined]
        client = self.client()
        bar = self.host.bar(snapshot(client, waiting).total, f"batch {job.id}")
        try:
            seen = wait_until_ended(client, waiting, lambda s: bar.update(s.done, s.note()), first_wait_s=0.05)
        except KeyboardInterrupt:
            bar.close("stopped waiting")
            line = f"stopped waiting for batch {job.id}; it runs on, and %claude batch wait {job.id} joins it later."
            raise CallInterrupted(None, line) from None
        bar.close(seen.note() if seen else "")
        self.host.say(self.join(job).line())

    def join(self, job: Job) -> Joined:
        """Join every ended, unjoined batch of `job` into its frame, recording each in the ledger once."""
        from .join import check_frame, read_results, write_columns
        from .service import find_frame, schema_shape

        frame = find_frame(self.host.namespace, job.frame)
        shape = schema_shape(self.host.namespace, job.schema)
        client, rows = self.client(), 0
        for batch in _ended(client, job):
            check_frame(frame, job, job.frame)
            outcomes = read_results(job, client.messages.batches.results(batch.id))
            write_columns(frame, job, outcomes, shape)
            rows += len(outcomes.positions)
            if batch.id not in job.recorded:
                self._record(job, batch, outcomes)
            job = job.mark(joined=batch.id, recorded=batch.id)
            self.store.save(job)
        column = f"{job.out}_status"
        statuses = frame[column].value_counts().to_dict() if column in frame.columns else {}
        return Joined(job, rows, statuses)

    def _record(self, job: Job, batch: Any, outcomes: Any) -> None:
        from .service import batch_record

        session = self.session
        prices = session.prices_for(job.model)
        session.record_batch(lambda call: batch_record(call, job, batch, outcomes, prices, session.prices_for))

    # -- looking at saved jobs ------------------------------------------------------------------

    def listing(self) -> Any:
        """A DataFrame of the API's batches and the saved jobs, with what each file says of them."""
        import pandas as pd

        saved = {b: job for job in self.store.all() for b in job.batches}
        rows = []
        for batch in self.client().messages.batches.list(limit=100):
            state = {"status": batch.processing_status, **batch.request_counts.model_dump()}
            rows.append({**_saved_columns(batch.id, saved.get(batch.id)), **state, "created_at": batch.created_at})
        listed = {row["batch"] for row in rows}
        rows += [{**_saved_columns(b, saved[b]), "status": "not listed by the API"} for b in saved if b not in listed]
        return pd.DataFrame(rows)

    def status(self, job: Job) -> None:
        from .poll import snapshot

        seen = snapshot(self.client(), job.batches)
        state = "ended" if seen.ended else "in progress"
        joined = f", {len(job.joined)} of {len(job.batches)} batch(es) joined" if job.joined else ""
        self.host.say(f"batch {job.id} ({job.frame} -> {job.out}): {state}; {seen.note()}{joined}")

    def cancel(self, job: Job) -> None:
        client = self.client()
        for batch_id in job.batches:
            if client.messages.batches.retrieve(batch_id).processing_status == "in_progress":
                client.messages.batches.cancel(batch_id)
        self.host.say(f"cancelling batch {job.id}; rows it had not run end 'canceled'; %claude batch wait {job.id}")


def _ended(client: Any, job: Job) -> list[Any]:
    """The job's API batches that ended and are not joined yet."""
    pending = [client.messages.batches.retrieve(b) for b in job.batches if b not in job.joined]
    return [batch for batch in pending if batch.processing_status == "ended"]


def _saved_columns(batch_id: str, job: Job | None) -> dict[str, Any]:
    """What the saved job file says of an API batch (None for a batch started elsewhere)."""
    if job is None:
        return {"batch": batch_id, "job": None, "frame": None, "out": None, "joined": False}
    return {"batch": batch_id, "job": job.id, "frame": job.frame, "out": job.out, "joined": batch_id in job.joined}


def _all_joined(job: Job) -> bool:
    return all(batch_id in job.joined for batch_id in job.batches)
