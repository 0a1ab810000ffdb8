"""Benchmark: `%claude batch` over 10,000 rows (build + submit, join, join memory) and `--sync` against sequential.

Everything runs through the real SDK against the built-in simulator on loopback, through the
same handler the magic calls (`ipython/batch_command.run_batch`) with a minimal host.

- build+submit: `%claude batch df --prompt ... --out reply` on 10,000 rows, count_tokens sample
  and the estimate included, until the batch is created and its job file written.
- join: `%claude batch wait ID` on the ended batch: results streamed, columns written, ledger row.
- join memory: tracemalloc's peak during the join, against the size of the results (JSON Lines).
- --sync: 200 rows with the simulator streaming at model pace (`--tps`, default 100 tokens/s),
  `--concurrency 8` against `--concurrency 1`.

Run: .venv/bin/python benchmarks/batches.py [--rows 10000] [--sync-rows 200] [--tps 100]
Targets: build+submit <= 2 s, join <= 1 s, join peak <= 3x results, --sync >= 6x sequential.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shlex
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import anthropic
import pandas as pd

from claude_magic import Session
from claude_magic.batches.store import JobStore
from claude_magic.ipython.batch_command import run_batch
from claude_magic.simulator import Simulator


@contextlib.contextmanager
def simulator_process() -> Any:
    """The simulator in its own process, so its work is not charged to the client's GIL."""
    command = [sys.executable, "-m", "claude_magic.simulator", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        yield SimpleNamespace(url=line.rsplit(" ", 1)[-1].strip())
    finally:
        process.terminate()
        process.wait(timeout=10)


def host_for(sim: Any, namespace: dict[str, Any]) -> Any:
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-bench", max_retries=2)
    shell = SimpleNamespace(user_ns=namespace)
    return SimpleNamespace(session=Session(client=client), shell=shell, table_token_budget=4000)


def frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"review {i}: the product was fine, shipping slow" for i in range(rows)]})


def quietly(func: Any) -> Any:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return func()


def batch_figures(rows: int) -> dict[str, float]:
    with simulator_process() as sim:
        namespace: dict[str, Any] = {"df": frame(rows)}
        host = host_for(sim, namespace)
        line = 'df --prompt "Classify the sentiment of: {{row.text}}" --out reply'
        start = time.perf_counter()
        quietly(lambda: run_batch(host, shlex.split(line)))
        submit_s = time.perf_counter() - start
        [job] = JobStore().all()
        results = host.session.connection.client.messages.batches.results(job.id)
        results_bytes = sum(len(item.to_json(indent=None)) + 1 for item in results)
        start = time.perf_counter()
        quietly(lambda: run_batch(host, ["wait", job.id]))
        join_s = time.perf_counter() - start
        assert namespace["df"]["reply"].notna().all()
        peak = join_peak(host, namespace, job.id)
    return {"submit_s": submit_s, "join_s": join_s, "results_bytes": results_bytes, "join_peak": peak}


def join_peak(host: Any, namespace: dict[str, Any], job_id: str) -> int:
    """tracemalloc's peak while the same results join again (the job marked unjoined, the frame fresh)."""
    store = JobStore()
    job = store.load(job_id)
    store.save(replace(job, joined=(), recorded=()))
    namespace["df"] = frame(len(job.ids))
    tracemalloc.start()
    quietly(lambda: run_batch(host, ["wait", job_id]))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def sync_seconds(rows: int, tps: float, concurrency: int) -> float:
    with Simulator(tokens_per_second=tps) as sim:
        namespace: dict[str, Any] = {"df": frame(rows)}
        host = host_for(sim, namespace)
        line = f'df --prompt "{{{{row.text}}}}" --out reply --sync --concurrency {concurrency}'
        start = time.perf_counter()
        quietly(lambda: run_batch(host, shlex.split(line)))
        seconds = time.perf_counter() - start
        assert len(host.session.usage.records) == rows and namespace["df"]["reply"].notna().all()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sync-rows", type=int, default=200)
    parser.add_argument("--tps", type=float, default=100.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        os.chdir(directory)
        figures = batch_figures(args.rows)
        print(f"{args.rows:,} rows: build+submit {figures['submit_s']:.2f} s (target <= 2 s)")
        print(f"{args.rows:,} results: join {figures['join_s']:.2f} s (target <= 1 s)")
        ratio = figures["join_peak"] / figures["results_bytes"]
        print(
            f"join peak memory {figures['join_peak'] / 2**20:.1f} MiB for {figures['results_bytes'] / 2**20:.1f} MiB "
            f"of results: {ratio:.2f}x (target <= 3x)"
        )
        parallel = sync_seconds(args.sync_rows, args.tps, 8)
        sequential = sync_seconds(args.sync_rows, args.tps, 1)
        print(
            f"--sync {args.sync_rows} rows at {args.tps:g} tokens/s: concurrency 8 {parallel:.1f} s, "
            f"sequential {sequential:.1f} s: {sequential / parallel:.1f}x (target >= 6x)"
        )


if __name__ == "__main__":
    main()
