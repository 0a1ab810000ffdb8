"""The tool loop through the real SDK against the strict simulator: rounds, results placement, failures, interrupts."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from claude_magic._planning import RequestOptions
from claude_magic._tool_loop import Loop, ToolSet, run_blocking
from claude_magic.core.annotate import stop_note
from claude_magic.core.errors import CallInterrupted, RequestFailed
from claude_magic.core.events import TextDelta, ToolFinished, ToolStarted
from claude_magic.core.history import NOT_RUN
from claude_magic.core.tools import DENIED
from claude_magic.simulator import ScriptedError, ScriptedReply


class Recipe:
    """A tool as the Tool protocol defines it: a plain Python function behind a fixed schema."""

    source = "function"

    def __init__(self, name: str, func: Any, schema: dict[str, Any] | None = None) -> None:
        self.name, self.func = name, func
        self.schema = schema or {"type": "object", "properties": {}}
        self.calls: list[dict[str, Any]] = []
        self.threads: list[str] = []

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "description": f"the {self.name} tool", "input_schema": self.schema}

    def call(self, arguments: dict[str, Any]) -> str:
        self.calls.append(arguments)
        self.threads.append(threading.current_thread().name)
        return str(self.func(**arguments))

    async def acall(self, arguments: dict[str, Any]) -> str:
        return self.call(arguments)


def use(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "tool_use", "name": name, "input": arguments}


def asks(*uses: dict[str, Any], text: str = "Let me look that up.") -> ScriptedReply:
    return ScriptedReply(content=({"type": "text", "text": text}, *uses), stop_reason="tool_use")


PRICE = {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}


def price(sku: str) -> float:
    return {"SKU-12": 12.5}[sku]


def run_loop(session: Any, toolset: ToolSet, prompt: str = "What does SKU-12 cost?", **ask: Any) -> tuple[Any, list]:
    events: list[Any] = []
    prepared = session.prepare(prompt, RequestOptions.of(tools=toolset.definitions(), **ask))
    reply = run_blocking(Loop(session, toolset, events.append).run(prepared))
    return reply, events


def test_two_rounds_send_results_first_in_the_next_user_turn(session, sim):
    tool = Recipe("get_price", price, PRICE)
    sim.queue(asks(use("get_price", sku="SKU-12")))
    sim.queue(ScriptedReply(text="It costs 12.5."))
    reply, events = run_loop(session, ToolSet({"get_price": tool}))
    assert tool.calls == [{"sku": "SKU-12"}]
    second = sim.requests[-1].body
    assert second["tools"][0]["name"] == "get_price"
    last_user = second["messages"][-1]
    assert last_user["role"] == "user"
    assert last_user["content"][0]["type"] == "tool_result"
    assert last_user["content"][0]["content"] == "12.5"
    assert second["messages"][-2]["content"][-1]["type"] == "tool_use"
    assert reply.text == "Let me look that up.\n\nIt costs 12.5." and reply.rounds == 2
    assert [c.name for c in reply.tool_calls] == ["get_price"] and not reply.tool_calls[0].is_error
    assert [type(e) for e in events if isinstance(e, ToolStarted | ToolFinished)] == [ToolStarted, ToolFinished]
    assert len(session.transcript.chat().exchanges) == 2
    assert len(session.usage) == 2  # one ledger row per call


def test_usage_and_cost_sum_every_round(session, sim):
    sim.queue(asks(use("get_price", sku="SKU-12")))
    sim.queue(ScriptedReply(text="Done."))
    reply, _ = run_loop(session, ToolSet({"get_price": Recipe("get_price", price, PRICE)}))
    rows = session.usage.records
    assert reply.usage.output_tokens == sum(r.usage.output_tokens for r in rows)
    assert reply.cost_usd == pytest.approx(sum(r.cost_usd for r in rows))


def test_parallel_uses_of_one_turn_answer_in_one_message_in_order(session, sim):
    tool = Recipe("get_price", price, PRICE)
    sim.queue(asks(use("get_price", sku="SKU-12"), use("get_price", sku="SKU-99")))
    sim.queue(ScriptedReply(text="One is unknown."))
    reply, _ = run_loop(session, ToolSet({"get_price": tool}))
    results = sim.requests[-1].body["messages"][-1]["content"]
    uses = sim.requests[-1].body["messages"][-2]["content"][1:]
    assert [r["tool_use_id"] for r in results] == [u["id"] for u in uses]
    assert results[0].get("is_error") is None and results[1]["is_error"] is True
    assert "KeyError" in results[1]["content"]  # the tool raised; the loop went on
    assert reply.complete


def test_parallel_tools_run_on_worker_threads(session, sim):
    tool = Recipe("get_price", price, PRICE)
    sim.queue(asks(use("get_price", sku="SKU-12"), use("get_price", sku="SKU-12")))
    sim.queue(ScriptedReply(text="Same."))
    run_loop(session, ToolSet({"get_price": tool}, parallel=True))
    assert len(tool.calls) == 2
    assert all(name != threading.main_thread().name for name in tool.threads)


def test_an_unknown_tool_name_is_an_error_result(session, sim):
    sim.queue(asks(use("get_weather", city="Oslo")))
    sim.queue(ScriptedReply(text="I cannot."))
    reply, _ = run_loop(session, ToolSet({"get_price": Recipe("get_price", price, PRICE)}))
    result = sim.requests[-1].body["messages"][-1]["content"][0]
    assert result["is_error"] is True and "get_weather" in result["content"]
    assert reply.complete


class Deny:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def approve(self, call: Any) -> bool:
        self.asked.append(call.signature())
        return False


def test_a_denied_call_does_not_run_and_tells_the_model(session, sim):
    tool, deny = Recipe("get_price", price, PRICE), Deny()
    sim.queue(asks(use("get_price", sku="SKU-12")))
    sim.queue(ScriptedReply(text="Understood."))
    reply, _ = run_loop(session, ToolSet({"get_price": tool}, approver=deny))
    assert tool.calls == []
    assert deny.asked == ['get_price({"sku": "SKU-12"})']
    result = sim.requests[-1].body["messages"][-1]["content"][0]
    assert result == {"type": "tool_result", "tool_use_id": result["tool_use_id"], "content": DENIED, "is_error": True}
    assert reply.tool_calls[0].denied


def test_the_loop_stops_at_max_rounds_and_the_next_cell_is_valid(session, sim):
    tool = Recipe("get_price", price, PRICE)
    for _ in range(3):
        sim.queue(asks(use("get_price", sku="SKU-12")))
    reply, _ = run_loop(session, ToolSet({"get_price": tool}, max_rounds=2))
    assert len(tool.calls) == 2 and reply.rounds == 3 and reply.stop_reason == "tool_use"
    assert "stopped after 2 rounds" in stop_note(reply) and "--max-tool-rounds" in stop_note(reply)
    session.ask("and now?")  # the strict simulator rejects an unanswered tool_use
    first = sim.requests[-1].body["messages"][-1]["content"][0]
    assert first["type"] == "tool_result" and first["content"] == NOT_RUN


def test_a_failed_round_keeps_earlier_rounds_and_the_results_that_ran(session, sim):
    tool = Recipe("get_price", price, PRICE)
    sim.queue(asks(use("get_price", sku="SKU-12")))
    sim.queue(ScriptedError(status=400, type="invalid_request_error", message="bad", retry_after_ms=None))
    with pytest.raises(RequestFailed) as failure:
        run_loop(session, ToolSet({"get_price": tool}))
    assert failure.value.partial is not None and "Let me look that up." in failure.value.partial.text
    chat = session.transcript.chat()
    assert len(chat.exchanges) == 1  # the paid first round stays
    assert len(session.usage) == 2
    sim.queue(ScriptedReply(text="Recovered."))
    session.ask("try again")
    # The tool ran before the failure: its real result opens the next turn, not "not run".
    opening = sim.requests[-1].body["messages"][-1]["content"][0]
    assert opening["type"] == "tool_result" and opening["content"] == "12.5"


def interrupting(**arguments: Any) -> str:
    raise KeyboardInterrupt


def test_an_interrupt_during_a_tool_stops_the_loop_and_the_chat_stays_valid(session, sim):
    slow = Recipe("slow", interrupting)
    done = Recipe("get_price", price, PRICE)
    sim.queue(asks(use("get_price", sku="SKU-12"), use("slow")))
    with pytest.raises(CallInterrupted) as interrupt:
        run_loop(session, ToolSet({"get_price": done, "slow": slow}))
    assert interrupt.value.partial is not None and not interrupt.value.partial.complete
    session.ask("after the interrupt")
    opening = sim.requests[-1].body["messages"][-1]["content"]
    assert opening[0]["content"] == "12.5"  # ran before the interrupt
    assert opening[1]["is_error"] is True and "interrupted" in opening[1]["content"]
    assert opening[2] == {"type": "text", "text": "after the interrupt"}


def test_the_loop_awaits_an_async_approver_in_a_running_loop(session, sim):
    """The --confirm path: the loop is a coroutine awaiting a click, with the event loop free meanwhile."""
    tool = Recipe("get_price", price, PRICE)
    sim.queue(asks(use("get_price", sku="SKU-12")))
    sim.queue(ScriptedReply(text="Approved and done."))

    class Click:
        async def approve(self, call: Any) -> bool:
            decided: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_later(0.05, decided.set_result, True)  # the "click" arrives later
            return await decided

    async def cell() -> Any:
        prepared = session.prepare("price?", RequestOptions(tools=[tool.definition()]))
        return await Loop(session, ToolSet({"get_price": tool}, approver=Click()), lambda e: None, blocking=False).run(
            prepared
        )

    reply = asyncio.run(cell())
    assert tool.calls == [{"sku": "SKU-12"}] and reply.text.endswith("Approved and done.")


def test_text_events_of_each_round_restart_and_the_joined_text_has_both(session, sim):
    sim.queue(asks(use("get_price", sku="SKU-12"), text="First."))
    sim.queue(ScriptedReply(text="Second."))
    reply, events = run_loop(session, ToolSet({"get_price": Recipe("get_price", price, PRICE)}))
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert texts[-1] == "Second." and "First." in texts
    assert reply.text == "First.\n\nSecond."
