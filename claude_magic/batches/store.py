"""What a batch job needs after a kernel restart, as JSON in `.claude_magic/batches/ID.json` under the cwd.

A job is one `%claude batch` cell: one or more API batches (a frame over the limits is split),
the row mapping (custom_id -> row position, with the index label to check the frame is the same),
the options to join with and to retry, and which API batches were already joined.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import BatchStateError

STORE_DIR = Path(".claude_magic") / "batches"


@dataclass(frozen=True)
class Job:
    """One batch cell: the frame it reads, where results go, and the API batches that carry it."""

    id: str  # the first API batch id; every later command names the job by it
    frame: str
    out: str
    ids: tuple[str, ...]  # custom_id per row position
    labels: tuple[str, ...]  # str(index label) per row position, to check the frame at join time
    batches: tuple[str, ...]  # API batch ids, in submission order
    model: str
    schema: str | None = None
    created_at: float = 0.0
    joined: tuple[str, ...] = ()  # API batch ids whose results are in the frame
    recorded: tuple[str, ...] = ()  # API batch ids already in the usage ledger
    options: dict[str, Any] = field(default_factory=dict)  # what retry needs: prompt, system, attach, max_tokens

    def with_batch(self, batch_id: str) -> Job:
        return replace(self, batches=(*self.batches, batch_id))

    def mark(self, *, joined: str | None = None, recorded: str | None = None) -> Job:
        return replace(
            self,
            joined=self.joined + ((joined,) if joined and joined not in self.joined else ()),
            recorded=self.recorded + ((recorded,) if recorded and recorded not in self.recorded else ()),
        )


class JobStore:
    """Jobs as JSON files in `root` (default `.claude_magic/batches` under the current directory)."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else Path.cwd() / STORE_DIR

    def path(self, job_id: str) -> Path:
        return self.root / f"{job_id}.json"

    def save(self, job: Job) -> Path:
        """Write `job` atomically (a restart never sees half a file)."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.path(job.id)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(asdict(job), file)
        os.replace(temporary, target)
        return target

    def load(self, job_id: str | None) -> Job:
        """The job named by its id or by any of its API batch ids (None: the latest); BatchStateError if none."""
        if job_id is None:
            jobs = self.all()
            if not jobs:
                raise BatchStateError(f"no saved batch in {self.root}; start one with %claude batch FRAME ...")
            return jobs[-1]
        path = self.path(job_id)
        if not path.exists():
            found = [job for job in self.all() if job_id in job.batches]
            if not found:
                raise BatchStateError(
                    f"no saved batch {job_id!r} in {self.root}; %claude batch list shows the ones there are"
                )
            return found[0]
        return _job(json.loads(path.read_text(encoding="utf-8")))

    def all(self) -> list[Job]:
        """Every saved job, oldest first."""
        if not self.root.is_dir():
            return []
        jobs = [_job(json.loads(p.read_text(encoding="utf-8"))) for p in self.root.glob("*.json")]
        return sorted(jobs, key=lambda job: job.created_at)


def _job(data: dict[str, Any]) -> Job:
    tuples = ("ids", "labels", "batches", "joined", "recorded")
    return Job(**{key: tuple(value) if key in tuples else value for key, value in data.items()})
