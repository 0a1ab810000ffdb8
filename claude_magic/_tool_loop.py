"""The tool loop of one cell: stream a reply, run the tools it asks for, send their results, until the model stops.

Each round is one exchange of the chat, committed as soon as it completes, so a paid reply is
never dropped and the chat stays valid wherever the loop stops: results of tools that ran but
were never sent are kept on the chat (`Chat.pending_results`) and open the next turn.

The loop is a coroutine so that `--confirm` can await a button click in the kernel's own event
loop (the cell then runs through IPython's autoawait). Run blocking (`run_blocking`), nothing in
it suspends: approval asks with input(), async tools run to completion on a worker thread.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .core.errors import CallInterrupted, ClaudeMagicError, continue_hint
from .core.events import Event, ToolFinished, ToolStarted
from .core.tools import DENIED, FUNCTION, SERVER, ToolCall, non_finite, non_finite_note, tool_uses
from .core.transcript import Reply

if TYPE_CHECKING:
    from ._call import EventSink, StatusSink
    from ._session import Prepared, Session
    from .tools import Tool

DEFAULT_MAX_ROUNDS = 10
INTERRUPTED = "The user interrupted the cell before this tool call finished; it may not have run."
PENDING_HINT = "The tools' results wait for the next cell; if it fails too: `%claude undo` drops this round, or --new."
T = TypeVar("T")


class Approver(Protocol):
    """Asks the user whether one tool call may run."""

    async def approve(self, call: ToolCall) -> bool:
        """True to run the call; False sends a denial to the model."""


@dataclass(frozen=True)
class ToolSet:
    """What one cell lets the model use: client tools by name, server tool definitions, and how to run them."""

    tools: Mapping[str, Tool]
    server: tuple[dict[str, Any], ...] = ()
    max_rounds: int = DEFAULT_MAX_ROUNDS
    parallel: bool = False
    approver: Approver | None = None

    def definitions(self) -> list[dict[str, Any]]:
        """The request's `tools`: client tool definitions, then server tools."""
        return [tool.definition() for tool in self.tools.values()] + [dict(s) for s in self.server]


@dataclass
class Loop:
    """One cell's loop: the session, the events sink, and every round and call so far."""

    session: Session
    toolset: ToolSet
    on_event: EventSink
    on_status: StatusSink | None = None
    blocking: bool = True
    on_estimate: StatusSink | None = None  # hears each round's cost range when it is priced before sending

    def __post_init__(self) -> None:
        self.rounds: list[Reply] = []
        self.calls: list[ToolCall] = []
        self._sink = self.on_event
        self.on_event = self._hear

    def _hear(self, event: Event) -> None:
        """Pass every event on; keep the calls server tools made (the API ran them, no code of ours)."""
        if isinstance(event, ToolFinished) and event.call.source == SERVER:
            self.calls.append(event.call)
        self._sink(event)

    async def run(self, prepared: Prepared) -> Reply:
        """Every round until the model stops asking for tools (or the round limit); the rounds joined."""
        current = prepared
        while True:
            reply = self._round(current)
            uses = tool_uses(reply.content)
            if reply.stop_reason != "tool_use" or not uses:
                return self.joined()
            if len(self.rounds) > self.toolset.max_rounds:
                return self.joined()  # stop_reason stays "tool_use": the footer says the loop stopped
            calls = await self._run_calls(current, uses)
            current = self._follow_up(current, reply, calls)

    def _follow_up(self, prepared: Prepared, reply: Reply, calls: list[ToolCall]) -> Prepared:
        """The next round's request; one the API's limits refuse ends the cell with the rounds so far."""
        try:
            return self.session.follow_up(prepared, reply, [call.result_block() for call in calls])
        except ClaudeMagicError as error:
            error.partial = self.joined(complete=False)
            raise

    def _round(self, prepared: Prepared) -> Reply:
        citations = sum(len(r.citations) for r in self.rounds)
        try:
            reply = self.session.send(
                prepared, self.on_event, self.on_status, citation_base=citations, on_estimate=self.on_estimate
            )
        except (ClaudeMagicError, CallInterrupted) as error:
            if self.rounds and prepared.keep:  # the tools ran: their results open the chat's next turn
                prepared.chat.pending_results = prepared.user_content
                if isinstance(error, ClaudeMagicError):
                    error.message = continue_hint(error.message, PENDING_HINT)
            error.partial = self._partial(error.partial)
            raise
        self.rounds.append(self.session.commit(prepared, reply))
        return reply

    async def _run_calls(self, prepared: Prepared, uses: list[dict[str, Any]]) -> list[ToolCall]:
        """Run one turn's tool uses; an interrupt keeps what ran on the chat, for the next turn."""
        done: list[ToolCall] = []
        try:
            approved = [await self._approve(use) for use in uses]
            if self.toolset.parallel:
                with finish_before_interrupt(self._say):
                    done += await self._together(approved)
            else:
                for call in approved:
                    with finish_before_interrupt(self._say):
                        done.append(await self._one(call))
        except KeyboardInterrupt:
            self._keep_pending(prepared, uses, done)
            self.calls += done
            raise CallInterrupted(self.joined(complete=False)) from None
        self.calls += done
        return done

    async def _approve(self, use: dict[str, Any]) -> ToolCall:
        tool = self.toolset.tools.get(str(use.get("name")))
        call = ToolCall(str(use["id"]), str(use.get("name")), dict(use.get("input") or {}), _source(tool))
        approver = self.toolset.approver
        if tool is not None and approver is not None:
            self._say(f"waiting for your approval of {call.name}")
        if tool is None or approver is None or await approver.approve(call):
            self.on_event(ToolStarted(call.id, call.name, call.input, call.source))  # its row says "running"
            return call
        return replace(call, content=DENIED, is_error=True, denied=True)

    async def _one(self, call: ToolCall) -> ToolCall:
        if call.denied:
            return self._finish(call)
        tool = self.toolset.tools.get(call.name)
        if self.blocking:
            return self._finish(run_call(tool, call))
        return self._finish(await arun_call(tool, call))

    async def _together(self, calls: list[ToolCall]) -> list[ToolCall]:
        """Run approved calls at once on worker threads; results keep the model's order."""
        tools = self.toolset.tools
        work = [lambda c=call: c if c.denied else run_call(tools.get(c.name), c) for call in calls]
        with ThreadPoolExecutor(max_workers=len(work)) as pool:
            if self.blocking:
                finished = list(pool.map(lambda job: job(), work))
            else:
                loop = asyncio.get_running_loop()
                finished = list(await asyncio.gather(*(loop.run_in_executor(pool, job) for job in work)))
        return [self._finish(call) for call in finished]

    def _say(self, status: str) -> None:
        if self.on_status is not None:
            self.on_status(status)

    def _finish(self, call: ToolCall) -> ToolCall:
        self.on_event(ToolFinished(call))
        return call

    def _keep_pending(self, prepared: Prepared, uses: list[dict[str, Any]], done: list[ToolCall]) -> None:
        if not prepared.keep:
            return
        ran = {call.id: call.result_block() for call in done}
        stopped = {"content": INTERRUPTED, "is_error": True}
        pending = [ran.get(use["id"]) or {"type": "tool_result", "tool_use_id": use["id"], **stopped} for use in uses]
        prepared.chat.pending_results = tuple(pending)

    def _partial(self, partial: Reply | None) -> Reply | None:
        """A failed round's partial reply, joined after the rounds that completed."""
        if not self.rounds:
            return partial
        return joined_rounds([*self.rounds, *([partial] if partial else [])], self.calls, complete=False)

    def joined(self, complete: bool = True) -> Reply:
        return joined_rounds(self.rounds, self.calls, complete=complete)


@contextmanager
def finish_before_interrupt(say: Callable[[str], None]) -> Iterator[None]:
    """Let a running tool call finish when the user interrupts, then stop; a second interrupt stops it at once.

    A tool may have side effects: stopping it halfway is worse than waiting for it. Only the main
    thread can handle signals, so elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    asked: list[int] = []

    def defer(signum: int, frame: Any) -> None:
        if asked:
            raise KeyboardInterrupt
        asked.append(signum)
        say("stopping after this tool call; interrupt again to stop it now")

    previous = signal.signal(signal.SIGINT, defer)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if asked:
        raise KeyboardInterrupt


def run_call(tool: Tool | None, call: ToolCall) -> ToolCall:
    """Run one call blocking; its failure, whatever it is, becomes an error result for the model."""
    if tool is None or non_finite(call.input):
        return _refused(tool, call)
    started = time.perf_counter()
    try:
        return _ran(call, tool.call(call.input), started)
    except Exception as error:  # a tool's failure goes back to the model; the loop and the kernel carry on
        return _failed(call, error, started)


async def arun_call(tool: Tool | None, call: ToolCall) -> ToolCall:
    """Run one call, awaiting it in the running loop."""
    if tool is None or non_finite(call.input):
        return _refused(tool, call)
    started = time.perf_counter()
    try:
        return _ran(call, await tool.acall(call.input), started)
    except Exception as error:  # as in run_call
        return _failed(call, error, started)


def _refused(tool: Tool | None, call: ToolCall) -> ToolCall:
    """The error result of a call that does not run: no such tool, or an input JSON cannot carry."""
    if tool is None:
        return replace(call, content=f"No tool named {call.name!r} in this cell.", is_error=True)
    return replace(call, content=non_finite_note(non_finite(call.input)), is_error=True)


def _ran(call: ToolCall, output: str | list[dict[str, Any]], started: float) -> ToolCall:
    return replace(call, content=_sendable(output), duration_s=time.perf_counter() - started)


def _failed(call: ToolCall, error: Exception, started: float) -> ToolCall:
    from .tools.results import error_text

    content = _sendable(error_text(error))
    return replace(call, content=content, is_error=True, duration_s=time.perf_counter() - started)


def _sendable(output: str | list[dict[str, Any]]) -> str | tuple[dict[str, Any], ...]:
    """A tool's output as it may join the chat (tools/results.py `checked_output`: capped, no empty text, ...)."""
    from .tools.results import checked_output

    content = checked_output(output)
    return content if isinstance(content, str) else tuple(content)


def _source(tool: Tool | None) -> str:
    return tool.source if tool is not None else FUNCTION


def joined_rounds(rounds: Sequence[Reply], calls: Sequence[ToolCall], *, complete: bool = True) -> Reply:
    """The reply a cell shows and returns: every round's text, thinking and citations, usage and cost summed."""
    from .core.usage import add_usage

    first, last = rounds[0], rounds[-1]
    usage, cost = first.usage, first.cost_usd
    for reply in rounds[1:]:
        usage = add_usage(usage, reply.usage)
        cost = None if cost is None or reply.cost_usd is None else cost + reply.cost_usd
    return replace(
        last,
        text="\n\n".join(r.text for r in rounds if r.text.strip()),
        thinking="\n\n".join(r.thinking for r in rounds if r.thinking),
        citations=tuple(c for r in rounds for c in r.citations),
        content=tuple(block for r in rounds for block in r.content),
        usage=usage,
        cost_usd=cost,
        rounds=sum(r.rounds for r in rounds),
        duration_s=sum(r.duration_s or 0.0 for r in rounds),
        started_at=first.started_at,
        ttft_s=first.ttft_s,
        complete=complete and last.complete,
        tool_calls=tuple(calls),
    )


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (blocking mode) to its end, inside a running event loop or not."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("the tool loop waited on an event loop while running blocking")
