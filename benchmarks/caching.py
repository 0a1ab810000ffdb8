"""Benchmark: prompt-cache reads and cost of a scripted 20-cell session, per caching policy, against the simulator.

Policies on the same session: none; one rolling breakpoint on the last message (claudette's
policy); top-level automatic caching alone; and claude_magic's planner. The ideal is each
request reading everything the previous request of its chat sent (a --no-history cell: the
shared system prompt) and writing the rest at the 5-minute rate.

A second run is a 12-round tool loop (one cell: a 6,000-token system prompt, 5 tools, one tool
call per round) with claudette's rolling breakpoint against claude_magic's planner; its ideal is
every round reading all that the previous round sent.

A third run is a 10-cell session in a real IPython shell with the notebook context on (issue 25):
before each `%%claude` cell, a cell that makes a variable and prints; each request's context block
goes first in its new turn and stays in the chat's history. Its ideal is each request reading all
that the previous one sent.

A fourth run is a 10-round `%%claude --agent` loop: the built-in `python` tool running in a real IPython
shell (every call approved, as --yes does), each round's code printing more than the last (a DataFrame
summary too), so the tool results grow; its ideal is again every round reading all the previous one sent.

Run: .venv/bin/python benchmarks/caching.py
Targets: cache reads >= 0.97 of ideal, and total cost within 3% of the ideal cost; in the tool
loop, the context session and the agent loop, reads >= 0.97 of ideal.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import anthropic
from PIL import Image

from claude_magic import Session
from claude_magic._planning import RequestOptions
from claude_magic._tool_loop import Loop, ToolSet, run_blocking
from claude_magic.core.caching import prefix_positions
from claude_magic.core.models import resolve_prices
from claude_magic.core.usage import PER_MILLION, CallRecord
from claude_magic.simulator import ScriptedReply, Simulator

MODEL = "claude-sonnet-5-5"
SYSTEM = ("You are a meticulous data analyst working in a Jupyter notebook. " * 380)[:24_000]  # ~6,000 tokens
POLICIES = ("none", "claudette", "automatic", "claude_magic")


def dataframe_block() -> dict[str, Any]:
    rows = "\n".join(f"| {i} | sensor-{i % 7} | {i * 0.37:.2f} | {i % 3 == 0} |" for i in range(900))
    return {"type": "text", "text": f"DataFrame `readings` (900 rows):\n| id | sensor | value | flag |\n{rows}"}


def pdf_block() -> dict[str, Any]:
    pages = b"".join(b"<< /Type /Page >>\n" for _ in range(3))
    data = base64.b64encode(b"%PDF-1.4\n" + pages + b"%%EOF").decode()
    return {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": data}}


def image_blocks(count: int) -> list[dict[str, Any]]:
    blocks = []
    for i in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (32, 32), (i * 10 % 256, 80, 160)).save(buffer, format="PNG")
        source = {"type": "base64", "media_type": "image/png", "data": base64.b64encode(buffer.getvalue()).decode()}
        blocks.append({"type": "image", "source": source})
    return blocks


def script() -> list[tuple[str, list[dict[str, Any]], bool]]:
    """(prompt, attached blocks, history) for each of the 20 cells."""
    cells: list[tuple[str, list[dict[str, Any]], bool]] = [
        (f"Question {n} about the data?", [], True) for n in range(1, 21)
    ]
    cells[0] = ("Summarise this table.", [dataframe_block()], True)
    cells[4] = ("What does the report conclude?", [pdf_block()], True)
    cells[9] = ("Compare these 24 plots.", image_blocks(24), True)
    cells[13] = ("One-off: define 'drift'.", [], False)
    cells[16] = ("One-off: define 'outlier'.", [], False)
    return cells


class PolicyClient:
    """Wraps the SDK client; applies a baseline caching policy to every streamed request."""

    def __init__(self, client: anthropic.Anthropic, policy: str) -> None:
        self._client, self.policy, self.messages = client, policy, self

    def with_options(self, **options: Any) -> PolicyClient:
        """The SDK's per-call options (timeouts, retries, middleware) on the wrapped client; the policy stays."""
        return PolicyClient(self._client.with_options(**options), self.policy)

    @property
    def max_retries(self) -> int:
        return self._client.max_retries

    def stream(self, **request: Any) -> Any:
        if self.policy == "claudette":
            request = rolling_breakpoint(request)
        elif self.policy == "automatic":
            request["extra_body"] = {"cache_control": {"type": "ephemeral"}}
        return self._client.messages.stream(**request)


def rolling_breakpoint(request: dict[str, Any]) -> dict[str, Any]:
    messages = [dict(m) for m in request["messages"]]
    last = messages[-1]
    content = [{"type": "text", "text": last["content"]}] if isinstance(last["content"], str) else list(last["content"])
    content[-1] = {**content[-1], "cache_control": {"type": "ephemeral"}}
    last["content"] = content
    return {**request, "messages": messages}


def run_policy(sim: Simulator, policy: str) -> list[CallRecord]:
    sim.reset()
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-bench", max_retries=0)
    session = Session(client=PolicyClient(client, policy))
    session.configure(model=MODEL, system=SYSTEM, cache="auto" if policy == "claude_magic" else "off")
    for prompt, blocks, history in script():
        session.ask(prompt, content=blocks, history=history)
    return list(session.usage.records)


def system_tokens() -> int:
    positions = prefix_positions({"system": [{"type": "text", "text": SYSTEM}], "messages": []})
    return positions[-1].tokens


def ideal_reads(records: list[CallRecord]) -> list[int]:
    """What each call could have read: the previous same-chat call's whole input, or the system prompt."""
    history = [(r, flag) for r, (_, _, flag) in zip(records, script(), strict=True)]
    reads, previous = [], None
    for record, with_history in history:
        if not with_history:
            reads.append(system_tokens())
            continue
        reads.append(previous.usage.total_input_tokens if previous else 0)
        previous = record
    return reads


def ideal_cost(records: list[CallRecord], reads: list[int]) -> float:
    p = resolve_prices(MODEL)
    assert p is not None
    total = 0.0
    for record, read in zip(records, reads, strict=True):
        written = record.usage.total_input_tokens - read
        total += read * p.cache_read + written * p.write_5m + record.usage.output_tokens * p.output
    return total / PER_MILLION


LOOP_ROUNDS = 12
LOOP_TOOLS = ("get_price", "convert_currency", "stock_level", "lead_time", "supplier")


class LoopTool:
    """One of the loop's five tools: a fixed schema and a deterministic answer of a few hundred characters."""

    source = "function"

    def __init__(self, name: str) -> None:
        self.name = name

    def definition(self) -> dict[str, Any]:
        properties = {"sku": {"type": "string", "description": "the stock keeping unit, e.g. SKU-12"}}
        return {
            "name": self.name,
            "description": f"Look up {self.name} for one SKU. " * 8,
            "input_schema": {"type": "object", "properties": properties, "required": ["sku"]},
        }

    def call(self, arguments: dict[str, Any]) -> str:
        return f"{self.name}({arguments['sku']}): " + "row of figures; " * 40

    async def acall(self, arguments: dict[str, Any]) -> str:
        return self.call(arguments)


def run_tool_loop(sim: Simulator, policy: str) -> tuple[list[CallRecord], int]:
    """The loop's ledger rows, and the most cache breakpoints any of its requests carried."""
    sim.reset()
    for n in range(LOOP_ROUNDS - 1):
        use = {"type": "tool_use", "name": LOOP_TOOLS[n % 5], "input": {"sku": f"SKU-{n}"}}
        step = {"type": "text", "text": f"Step {n}: checking."}
        sim.queue(ScriptedReply(content=(step, use), stop_reason="tool_use"))
    sim.queue(ScriptedReply(text="All figures gathered."))
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-bench", max_retries=0)
    session = Session(client=PolicyClient(client, policy))
    session.configure(model=MODEL, system=SYSTEM, cache="auto" if policy == "claude_magic" else "off")
    toolset = ToolSet({name: LoopTool(name) for name in LOOP_TOOLS}, max_rounds=LOOP_ROUNDS)
    prepared = session.prepare("Gather every figure for SKU-0 to SKU-10.", RequestOptions(tools=toolset.definitions()))
    run_blocking(Loop(session, toolset, lambda event: None).run(prepared))
    marks = max(str(request.body).count("cache_control") for request in sim.requests)
    return list(session.usage.records), marks


def report_tool_loop(sim: Simulator) -> None:
    results = {policy: run_tool_loop(sim, policy) for policy in ("none", "claudette", "claude_magic")}
    baseline, _ = results["none"]
    ideal = sum(r.usage.total_input_tokens for r in baseline[:-1])  # each round reads all the previous one sent
    print(f"\n{LOOP_ROUNDS}-round tool loop, 5 tools, ~6,000-token system prompt; ideal reads {ideal:,}")
    print(f"{'policy':<14}{'reads':>10}{'÷ ideal':>9}{'cost':>10}{'breakpoints':>13}")
    for policy, (records, marks) in results.items():
        read = sum(r.usage.cache_read_input_tokens for r in records)
        cost = sum(r.cost_usd or 0.0 for r in records)
        print(f"{policy:<14}{read:>10,}{read / ideal:>9.3f}{cost:>10.4f}{marks:>13}")


CONTEXT_CELLS = 10


def run_context_session() -> list[CallRecord]:
    """10 `%%claude` cells with the notebook context on, each after a cell that changes the notebook."""
    import os

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    import claude_magic

    os.environ["CLAUDE_MAGIC_SIMULATE"] = "1"
    shell = InteractiveShell.instance()
    setup = ["%load_ext claude_magic", "%config ClaudeMagics.display = 'text'"]
    with capture_output():
        for line in [*setup, f"%config ClaudeMagics.model = {MODEL!r}", f"%config ClaudeMagics.system = {SYSTEM!r}"]:
            shell.run_cell(line)
        for n in range(CONTEXT_CELLS):
            shell.run_cell(f"step_{n} = list(range({n * 100}))\nprint('rows so far:', {n * 100})")
            shell.run_cell(f"%%claude\nWhat changed in step {n}?")
    records = list(claude_magic.session().usage.records)
    assert len(records) == CONTEXT_CELLS and all(r.error is None for r in records), records
    return records


def report_context_session() -> None:
    records = run_context_session()
    ideal = sum(r.usage.total_input_tokens for r in records[:-1])  # each request reads all the previous one sent
    read = sum(r.usage.cache_read_input_tokens for r in records)
    cost = sum(r.cost_usd or 0.0 for r in records)
    print(f"\n{CONTEXT_CELLS}-cell session with notebook context, ~6,000-token system prompt; ideal reads {ideal:,}")
    print(f"{'reads':>10}{'÷ ideal':>9}{'cost':>10}")
    print(f"{read:>10,}{read / ideal:>9.3f}{cost:>10.4f}")


AGENT_ROUNDS = 10


def agent_code(n: int) -> str:
    """Round n's code: a growing printout, and now and then a frame as the last expression."""
    code = f"step_{n} = list(range({n * 40}))\nprint('round {n}:', step_{n})"
    if n % 3 == 2:
        rows = n * 500
        code += f"\nimport pandas as pd\npd.DataFrame({{'x': range({rows}), 'y': [i * 0.5 for i in range({rows})]}})"
    return code


def run_agent_loop(sim: Simulator, policy: str) -> list[CallRecord]:
    """A 10-round agent cell's ledger rows: the python tool, in a real shell, every call approved."""
    from IPython.core.interactiveshell import InteractiveShell

    from claude_magic.agent.gate import AgentGate
    from claude_magic.agent.tool import PythonTool

    sim.reset()
    for n in range(AGENT_ROUNDS - 1):
        use = {"type": "tool_use", "name": "python", "input": {"code": agent_code(n)}}
        sim.queue(ScriptedReply(content=({"type": "text", "text": f"Step {n}."}, use), stop_reason="tool_use"))
    sim.queue(ScriptedReply(text="The analysis is done."))
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-bench", max_retries=0)
    session = Session(client=PolicyClient(client, policy))
    session.configure(model=MODEL, system=SYSTEM, cache="auto" if policy == "claude_magic" else "off")
    gate = AgentGate(yes=True)
    tool = PythonTool(InteractiveShell.instance(), gate, 30, MODEL)
    toolset = ToolSet({"python": tool}, max_rounds=AGENT_ROUNDS, approver=gate)
    prepared = session.prepare("Explore the data step by step.", RequestOptions(tools=toolset.definitions()))
    run_blocking(Loop(session, toolset, lambda event: None).run(prepared))
    return list(session.usage.records)


def report_agent_loop(sim: Simulator) -> None:
    import contextlib

    with contextlib.redirect_stdout(io.StringIO()):  # the agent's code prints; the table should not drown
        results = {policy: run_agent_loop(sim, policy) for policy in ("none", "claudette", "claude_magic")}
    baseline = results["none"]
    ideal = sum(r.usage.total_input_tokens for r in baseline[:-1])
    total = sum(r.usage.total_input_tokens for r in baseline)
    print(f"\n{AGENT_ROUNDS}-round agent loop (python tool, growing outputs); {total:,} input tokens in all;"
          f" ideal reads {ideal:,}")  # fmt: skip
    print(f"{'policy':<14}{'reads':>10}{'÷ ideal':>9}{'cost':>10}")
    for policy, records in results.items():
        read = sum(r.usage.cache_read_input_tokens for r in records)
        cost = sum(r.cost_usd or 0.0 for r in records)
        print(f"{policy:<14}{read:>10,}{read / ideal:>9.3f}{cost:>10.4f}")


def main() -> None:
    with Simulator() as sim:
        results = {policy: run_policy(sim, policy) for policy in POLICIES}
        report_cells(results)
        report_tool_loop(sim)
        report_agent_loop(sim)
    report_context_session()


def report_cells(results: dict[str, list[CallRecord]]) -> None:
    reads = ideal_reads(results["none"])
    ideal_read, best = sum(reads), ideal_cost(results["none"], reads)
    total_input = sum(r.usage.total_input_tokens for r in results["none"])
    print(f"20 cells, {total_input:,} input tokens in all; ideal reads {ideal_read:,}; ideal cost ${best:.4f}")
    print(f"{'policy':<14}{'reads':>10}{'÷ ideal':>9}{'cost':>10}{'÷ ideal':>9}")
    for policy, records in results.items():
        read = sum(r.usage.cache_read_input_tokens for r in records)
        cost = sum(r.cost_usd or 0.0 for r in records)
        print(f"{policy:<14}{read:>10,}{read / ideal_read:>9.3f}{cost:>10.4f}{cost / best:>9.3f}")


if __name__ == "__main__":
    main()
