"""Benchmark: iopub bytes, updates and wall time of streamed replies, panel vs a raw SDK loop, at model pace.

A real kernel (jupyter_client) streams simulated replies of the shapes users get (prose in
paragraphs, one long paragraph, one long code block, one long table, a mixed reply) through
`%%claude` with the widget panel, and the same reply through a raw SDK loop that only consumes
`text_stream` (the anchor). The simulator runs in this process at a model's pace (100 tokens a
second, 16-character deltas) or at full speed. Every iopub message of the cell is counted as the
JSON of its four parts plus binary buffers.

Run: PYTHONPATH=. .venv/bin/python benchmarks/streaming.py [--quick]
Targets (issue 13): bytes ÷ reply characters <= 3 for every shape (4 is the ceiling), linear (the
ratio at 48,000 characters within 1.2x of the ratio at 12,000); >= 4 visible updates a second
while text flows; wall time <= 1.1x the raw loop; first text of the first cell in a fresh kernel < 1 s.
Issue 24: the html path (plain display outputs, `%config ClaudeMagics.display = 'html'`) within 1.5x
of the widget path's bytes at a model's pace.
"""

from __future__ import annotations

import argparse
import json
import time

from jupyter_client.manager import start_new_kernel

from claude_magic.simulator import ScriptedReply, Simulator

MODEL_PACE = 100  # tokens a second, about 400 characters a second
DELTA = 16  # characters per text delta, as a model streams them
SETUP = """
%load_ext claude_magic
import anthropic, claude_magic
client = anthropic.Anthropic(api_key="sk-bench", base_url={url!r}, max_retries=0)
claude_magic.session().use_client(client)
"""
RAW = """
request = dict(model="claude-sonnet-5-5", max_tokens=64000, messages=[{"role": "user", "content": "go"}])
with client.messages.stream(**request) as s:
    for _ in s.text_stream:
        pass
"""
PANEL = "%%claude --max-tokens 64000 --no-history\ngo"
HTML_PATH = "%config ClaudeMagics.display = 'html'"  # the plain display outputs of frontends without widgets
WIDGET_PATH = "%config ClaudeMagics.display = 'widget'"
PROSE = (
    "Streaming replies grow one chunk at a time, and a display that redraws everything on each chunk sends "
    "the reply again and again. Costs like $5 and $6 stay text, `inline_code()` stays code, and **bold** "
    "or *emphasis* render as such. "
)
CODE = '''def load_{n}(path: str) -> dict:
    """Read config file number {n}."""
    with open(path, encoding="utf-8") as handle:  # the whole file
        return parse(handle.read()) or {{"name": "item-{n}", "size": {n}}}

'''


def shaped(shape: str, chars: int) -> str:
    """A reply of about `chars` characters in one of the shapes users get."""
    if shape == "paragraphs":
        return _fill(lambda n: PROSE * 2 + "\n\n", chars)
    if shape == "one paragraph":
        return _fill(lambda n: PROSE, chars)
    if shape == "code block":
        return "```python\n" + _fill(lambda n: CODE.format(n=n), chars) + "```\n"
    if shape == "table":
        head = "| id | model | input | output | note |\n|---|---|--:|--:|---|\n"
        return head + _fill(lambda n: f"| {n} | sonnet-{n % 7} | ${n % 9}.50 | ${n % 13}.00 | row {n} ok |\n", chars)
    return _fill(_mixed_part, chars)


def _mixed_part(n: int) -> str:
    if n % 12 == 0:
        return f"## Part {n}\n\n"
    if n % 7 == 0:
        return "```python\n" + CODE.format(n=n) + "```\n\n"
    if n % 11 == 0:
        return "| model | input | output |\n|---|--:|--:|\n| sonnet | $3 | $15 |\n| opus | $5 | $25 |\n\n"
    return PROSE * 2 + "\n\n"


def _fill(part, chars: int) -> str:
    pieces, n, size = [], 0, 0
    while size < chars:
        pieces.append(part(n))
        size += len(pieces[-1])
        n += 1
    return "".join(pieces)


def run_cell(kc, code: str) -> dict[str, float]:
    """Bytes, wall time, live updates and first-update time of one cell, until the kernel is idle again."""
    start = time.perf_counter()
    msg_id = kc.execute(code)
    total, updates, first, last = 0, 0, None, None
    while True:
        msg = kc.get_iopub_msg(timeout=600)
        total += sum(len(json.dumps(msg[k], default=str)) for k in ("header", "parent_header", "metadata", "content"))
        total += sum(len(b) for b in msg.get("buffers", []))
        now = time.perf_counter() - start
        if msg["msg_type"] == "comm_msg" and msg["content"]["data"].get("method") == "custom":
            updates += 1
            first, last = first if first is not None else now, now
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "error":
            raise RuntimeError(msg["content"]["evalue"])
        if msg["parent_header"].get("msg_id") == msg_id and msg["content"].get("execution_state") == "idle":
            flowing = (last - first) if first is not None and last is not None and last > first else 0.0
            rate = (updates - 1) / flowing if flowing else 0.0
            return {"bytes": total, "seconds": now, "updates_per_s": rate, "first_update_s": first or 0.0}


def measure(kc, sim: Simulator, code: str, text: str) -> dict[str, float]:
    sim.queue(ScriptedReply(text=text, chunk_chars=DELTA))
    return run_cell(kc, code)


def first_cell_latency(pace: int | None) -> float:
    """Seconds from executing the first %%claude of a fresh kernel to its first visible update.

    As a user does: `%load_ext claude_magic` in one cell, a pause while the next is typed, then
    the `%%claude` cell (which here also points the session at the benchmark's simulator).
    """
    with Simulator(tokens_per_second=pace) as sim:
        km, kc = start_new_kernel(kernel_name="python3")
        try:
            kc.execute_interactive("%load_ext claude_magic", timeout=60)
            time.sleep(2)
            sim.queue(ScriptedReply(text=PROSE * 4, chunk_chars=DELTA))
            cell = SETUP.replace("%load_ext claude_magic", "").format(url=sim.url)
            return run_cell(kc, cell + "get_ipython().run_cell_magic('claude', '', 'go')\n")["first_update_s"]
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="12,000-character shapes only, no linearity runs")
    parser.add_argument("--only", nargs="*", help="run only these shapes (e.g. mixed 'code block')")
    args = parser.parse_args()
    quick = args.quick
    cases = [(shape, 12_000, MODEL_PACE) for shape in ("paragraphs", "one paragraph", "code block", "table")]
    cases += [("mixed", 40_000, MODEL_PACE), ("mixed", 80_000, None)]
    if not quick:
        cases += [("code block", 48_000, MODEL_PACE)]
    cases = [case for case in cases if not args.only or case[0] in args.only]
    print(
        "| shape | characters | pace | panel bytes ÷ chars | raw loop bytes ÷ chars | updates/s | panel time ÷ raw "
        "| html path bytes ÷ chars | html ÷ widget bytes |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for shape, chars, pace in cases:
        report_case(shape, chars, pace)
    print(f"\nfirst visible update of the first %%claude in a fresh kernel: {first_cell_latency(MODEL_PACE):.2f} s")


def report_case(shape: str, chars: int, pace: int | None) -> None:
    text = shaped(shape, chars)
    with Simulator(tokens_per_second=pace) as sim:
        km, kc = start_new_kernel(kernel_name="python3")
        try:
            run_cell(kc, SETUP.format(url=sim.url))
            run_cell(kc, WIDGET_PATH)  # no frontend draws here: `auto` would go plain after the first reply
            measure(kc, sim, PANEL, shaped("paragraphs", 2_000))  # warm imports
            raw, panel = measure(kc, sim, RAW, text), measure(kc, sim, PANEL, text)
            run_cell(kc, HTML_PATH)
            html = measure(kc, sim, PANEL, text)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    speed = "model" if pace else "full"
    print(
        f"| {shape} | {len(text):,} | {speed} | {panel['bytes'] / len(text):.2f} | {raw['bytes'] / len(text):.2f} "
        f"| {panel['updates_per_s']:.1f} | {panel['seconds'] / raw['seconds']:.2f} "
        f"| {html['bytes'] / len(text):.2f} | {html['bytes'] / panel['bytes']:.2f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
