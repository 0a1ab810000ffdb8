"""Benchmark: iopub bytes and wall time of a 20,000-token streamed reply, panel vs a raw SDK loop.

A real kernel (jupyter_client) streams one long simulated reply three ways, each in the same kernel:
a raw SDK loop that only consumes `text_stream` (the anchor), `%%claude` with the widget panel, and
`%%claude` with the plain Markdown view (`%config ClaudeMagics.display = "markdown"`, for reference).
The simulator runs in this process, so it does not compete with the kernel for its GIL. Every iopub
message of the cell is counted as the JSON of its four parts plus any binary buffers.

Run: PYTHONPATH=. .venv/bin/python benchmarks/streaming.py [--runs 3]
Targets: panel bytes <= 4x the reply's text size; panel wall time <= 1.3x the raw loop.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from jupyter_client.manager import start_new_kernel

from claude_magic.simulator import ScriptedReply, Simulator

TOKENS = 20_000
SETUP = """
%load_ext claude_magic
import anthropic, claude_magic
client = anthropic.Anthropic(api_key="sk-bench", base_url={url!r}, max_retries=0)
claude_magic.session().use_client(client)
"""
RAW = """
request = dict(model="claude-sonnet-5-5", max_tokens=32000, messages=[{"role": "user", "content": "go"}])
with client.messages.stream(**request) as s:
    for _ in s.text_stream:
        pass
"""
PANEL = "%%claude --max-tokens 32000 --no-history\ngo"
PLAIN = (
    '%config ClaudeMagics.display = "markdown"\n'
    + "get_ipython().run_cell_magic('claude', '--max-tokens 32000 --no-history', 'go')\n"
    + '%config ClaudeMagics.display = "auto"'
)


def reply_text(tokens: int) -> str:
    """About `tokens` tokens (4 characters each) of prose, with a code block and a table every few paragraphs."""
    prose = (
        "Streaming replies grow one chunk at a time, and a display that redraws everything on each chunk "
        "sends the reply again and again. Costs like $5 and $6 stay text, `inline_code()` stays code, and "
        "**bold** or *emphasis* render as such. "
    )
    code = "```python\ndef total(prices: list[float]) -> float:\n    return sum(p * 1.2 for p in prices if p > 0)\n```"
    table = "| model | input | output |\n|---|--:|--:|\n| sonnet | $3 | $15 |\n| opus | $5 | $25 |"
    parts, n = [], 0
    while sum(map(len, parts)) < tokens * 4:
        n += 1
        parts.append(f"## Part {n}" if n % 12 == 0 else code if n % 7 == 0 else table if n % 11 == 0 else prose * 2)
    return "\n\n".join(parts)


def run_cell(kc, code: str) -> tuple[int, float]:
    """(iopub bytes, wall seconds) of one cell, from execute_request until the kernel is idle again."""
    start = time.perf_counter()
    msg_id = kc.execute(code)
    total = 0
    while True:
        msg = kc.get_iopub_msg(timeout=300)
        total += sum(len(json.dumps(msg[k], default=str)) for k in ("header", "parent_header", "metadata", "content"))
        total += sum(len(b) for b in msg.get("buffers", []))
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "error":
            raise RuntimeError(msg["content"]["evalue"])
        if msg["parent_header"].get("msg_id") == msg_id and msg["content"].get("execution_state") == "idle":
            return total, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    text = reply_text(TOKENS)
    size = len(text.encode())
    with Simulator() as sim:
        km, kc = start_new_kernel(kernel_name="python3")
        try:
            run_cell(kc, SETUP.format(url=sim.url))
            results = {
                name: measure(kc, sim, code, text, runs)
                for name, code in (("raw", RAW), ("panel", PANEL), ("plain", PLAIN))
            }
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    report(size, results)


def measure(kc, sim: Simulator, code: str, text: str, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs + 1):  # the first run warms imports and is dropped
        sim.queue(ScriptedReply(text=text, output_tokens=TOKENS))
        samples.append(run_cell(kc, code))
    kept = samples[1:]
    return statistics.median(b for b, _ in kept), statistics.median(t for _, t in kept)


def report(size: int, results: dict[str, tuple[float, float]]) -> None:
    raw_time = results["raw"][1]
    print(f"reply: {TOKENS:,} tokens, {size:,} bytes of text")
    print("| what | iopub bytes | bytes ÷ reply text | wall time | time ÷ raw loop |")
    print("|---|---|---|---|---|")
    for name, (nbytes, seconds) in results.items():
        print(f"| {name} | {nbytes:,.0f} | {nbytes / size:.2f} | {seconds:.2f} s | {seconds / raw_time:.2f} |")


if __name__ == "__main__":
    main()
