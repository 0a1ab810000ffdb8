"""What a batch job needs after a kernel restart, as JSON in `.claude_magic/batches/ID.json` under the cwd.

A job is one `%claude batch` cell: one or more API batches (a frame over the limits is split),
the row mapping (custom_id -> row position, with the index label to check the frame is the same),
the options to join with and to retry, and which API batches were already joined.

A job file is read as untrusted (the directory may come with a cloned project): each is checked
field by field, and one that is not a job is named in one line while the others still work. The
`.tmp-*.json` files an interrupted save leaves are never read.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.errors import one_line
from .errors import BatchStateError

STORE_DIR = Path(".claude_magic") / "batches"
TEMPORARY_PREFIX = ".tmp-"  # what `save` writes before the atomic rename
MAX_JOB_BYTES = 256 * 2**20  # a job of 100,000 rows with long index labels stays far below
# Batch ids go into request paths: only the API's own id alphabet (and our custom_id one).
_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_TEXTS = ("ids", "labels", "batches", "joined", "recorded")
# What retry may take from a file, with the types it may have (see `SAVED_OPTIONS` in start.py).
_OPTIONS: dict[str, tuple[type, ...]] = {
    "prompt": (str,),
    "model": (str, type(None)),
    "max_tokens": (int, type(None)),
    "system": (str, type(None)),
    "attach": (list,),
    "max_cost": (int, float, type(None)),
}


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
    """Jobs as JSON files in `root` (default `.claude_magic/batches` under the current directory).

    `warn` hears one line for each file `all` skips because it is not a readable job.
    """

    def __init__(self, root: Path | str | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.root = Path(root) if root is not None else Path.cwd() / STORE_DIR
        self.warn: Callable[[str], None] = warn or (lambda line: None)

    def path(self, job_id: str) -> Path:
        return self.root / f"{job_id}.json"

    def save(self, job: Job) -> Path:
        """Write `job` atomically (a restart never sees half a file)."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.path(job.id)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=TEMPORARY_PREFIX, suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(asdict(job), file)
            os.replace(temporary, target)
        except BaseException:  # an interrupt or a full disk: no half-written file stays behind
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    def load(self, job_id: str | None) -> Job:
        """The job named by its id or by any of its API batch ids (None: the latest); BatchStateError if none."""
        if job_id is None:
            jobs = self.all()
            if not jobs:
                raise BatchStateError(f"no saved batch in {self.root}; start one with %claude batch FRAME ...")
            return jobs[-1]
        if not _ID.match(job_id):
            raise BatchStateError(
                f"{one_line(job_id, 80)!r} is not a batch id; %claude batch list shows the ones there are"
            )
        path = self.path(job_id)
        if not path.exists():
            found = [job for job in self.all() if job_id in job.batches]
            if not found:
                raise BatchStateError(
                    f"no saved batch {job_id!r} in {self.root}; %claude batch list shows the ones there are"
                )
            return found[0]
        return self.read(path)

    def all(self) -> list[Job]:
        """Every readable saved job, oldest first; each unreadable file is named through `warn` and skipped."""
        if not self.root.is_dir():
            return []
        jobs = []
        for path in sorted(self.root.glob("*.json")):
            if path.name.startswith(TEMPORARY_PREFIX):
                continue
            try:
                jobs.append(self.read(path))
            except BatchStateError as error:
                self.warn(error.message)
        return sorted(jobs, key=lambda job: job.created_at)

    def read(self, path: Path) -> Job:
        """The job saved in `path`; BatchStateError naming the file when it is not one."""
        try:
            job = _job(json.loads(_text(path)))
        except (OSError, ValueError, TypeError, RecursionError) as error:
            why = one_line(str(error) or type(error).__name__, 100)
            raise BatchStateError(
                one_line(f"skipped the saved batch {path} ({why}); delete or restore that file, the others still work")
            ) from None
        if job.id != path.stem:
            raise BatchStateError(
                one_line(f"skipped the saved batch {path}: it holds job {job.id!r}; rename or delete it")
            )
        return job


def _text(path: Path) -> str:
    status = path.stat()
    if not path.is_file():
        raise ValueError("not a regular file")
    if status.st_size > MAX_JOB_BYTES:
        raise ValueError(f"{status.st_size:,} bytes, more than a job file can be")
    return path.read_text(encoding="utf-8")


def _job(data: Any) -> Job:
    """A Job from a file's JSON, every field checked; ValueError says the first that is wrong."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for key in ("id", "frame", "out", "model"):
        _expect(isinstance(data.get(key), str) and data[key], f"{key!r} is not a name")
    _expect(data["out"].isidentifier(), "'out' is not a column name")
    texts = {key: _strings(data.get(key, []), key) for key in _TEXTS}
    _expect(len(texts["ids"]) == len(texts["labels"]), "'ids' and 'labels' differ in length")
    _expect(bool(texts["batches"]) and texts["batches"][0] == data["id"], "'batches' does not start with its id")
    _expect(all(_ID.match(i) for i in (*texts["ids"], *texts["batches"])), "an id is not an API id")
    _expect(isinstance(data.get("schema"), str | None), "'schema' is not a name")
    created = data.get("created_at", 0.0)
    _expect(isinstance(created, int | float) and not isinstance(created, bool), "'created_at' is not a time")
    return Job(
        **{key: data[key] for key in ("id", "frame", "out", "model")},
        **texts,
        schema=data.get("schema"),
        created_at=float(created),
        options=_options(data.get("options", {})),
    )


def _options(options: Any) -> dict[str, Any]:
    _expect(isinstance(options, dict), "'options' is not an object")
    for key, value in options.items():
        kinds = _OPTIONS.get(key)
        _expect(kinds is not None and isinstance(value, kinds) and not isinstance(value, bool), f"option {key!r}")
    _strings(options.get("attach", []), "attach")
    return dict(options)


def _strings(value: Any, key: str) -> tuple[str, ...]:
    _expect(isinstance(value, list) and all(isinstance(item, str) for item in value), f"{key!r} is not a list of text")
    return tuple(value)


def _expect(condition: bool, why: str) -> None:
    if not condition:
        raise ValueError(why)
