"""Benchmark: building a cell's notebook context must not grow with the data (issue 25).

A real IPython shell holds 50 variables: a 1,000,000-row x 10 frame, a 100-million-element array
(uint8, 100 MB), a 1,000,000-element list and 47 small ones. `build_context` runs for a chat's first
prompt (every variable summarised) and for a later one after one variable changed (every variable
fingerprinted); then the frame grows tenfold and both run again. The anchor is `%cc`'s approach:
`repr()` of every variable at every prompt, timed over the same namespaces.

Run: .venv/bin/python benchmarks/context.py
Target: build_context with the 10x frame < 1.5x the time with the 1x frame.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from claude_magic.ipython.context_build import build_context
from claude_magic.ipython.context_watch import NotebookWatcher

REPEAT = 5


def namespace(rows: int) -> dict[str, Any]:
    frame = pd.DataFrame(np.random.default_rng(0).random((rows, 10)), columns=[f"c{i}" for i in range(10)])
    small: dict[str, Any] = {f"value_{i}": i * 1.5 for i in range(20)}
    small |= {f"label_{i}": f"label number {i}" for i in range(15)}
    small |= {f"items_{i}": list(range(i * 10)) for i in range(12)}
    big = {"big_array": np.zeros(100_000_000, dtype=np.uint8), "big_list": list(range(1_000_000))}
    return {"frame": frame, **big, **small}


def best(run: Any) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(shell: InteractiveShell, rows: int) -> tuple[float, float, float]:
    """(first prompt, later prompt, repr of every variable) in seconds."""
    user_ns = namespace(rows)
    shell.user_ns.update(user_ns)
    watcher = NotebookWatcher(shell)

    def first() -> None:
        watcher.reset()
        build_context(watcher, shell, "chat", "what is in frame?", environ={})

    def later() -> None:
        watcher.mark_sent("chat")
        shell.user_ns["value_0"] += 1
        build_context(watcher, shell, "chat", "and now?", environ={})

    anchor = best(lambda: [repr(value) for value in user_ns.values()])
    return best(first), best(later), anchor


def main() -> None:
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    small = measure(shell, 1_000_000)
    large = measure(shell, 10_000_000)
    print("                       1M-row frame  10M-row frame  ratio")
    for label, a, b in zip(("first prompt", "later prompt", "anchor: repr() of all"), small, large, strict=True):
        print(f"{label:<22} {a * 1000:>9.2f} ms {b * 1000:>11.2f} ms  {b / a:5.2f}x")


if __name__ == "__main__":
    main()
