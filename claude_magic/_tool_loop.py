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

from ._planning import follow_up
from .core.defaults import APPROVAL_TIMEOUT_S as APPROVAL_TIMEOUT_S
from .core.defaults import DEFAULT_MAX_ROUNDS as DEFAULT_MAX_ROUNDS
from .core.errors import CallInterrupted, ClaudeMagicError, continue_hint
from .core.events import Event, ToolFinished, ToolStarted
from .core.tools import DENIED, FUNCTION, SERVER, ToolCall, non_finite, non_finite_note, tool_uses
from .core.transcript import Reply

if TYPE_CHECKING:
    from ._edge.call import EventSink, StatusSink
    from ._planning import Prepared
    from ._session import Session
    from .tools import Tool

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
        self._shown: set[str] = set()  # ids of calls whose row has settled (ToolFinished sent)
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
                return self._last(self.joined())
            if len(self.rounds) > self.toolset.max_rounds:
                return self._last(self.joined())  # stop_reason stays "tool_use": the footer says the loop stopped
            calls = await self._run_calls(current, uses)
            current = self._follow_up(current, reply, calls)

    def _follow_up(self, prepared: Prepared, reply: Reply, calls: list[ToolCall]) -> Prepared:
        """The next round's request; one the API's limits refuse ends the cell with the rounds so far."""
        try:
            results = [call.result_block() for call in calls]
            return follow_up(prepared, reply, results, self.session.connection.routed)
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
            if error.partial is not None:
                self._last(error.partial)
            raise
        self.rounds.append(self.session.commit(prepared, reply))
        return reply

    async def _run_calls(self, prepared: Prepared, uses: list[dict[str, Any]]) -> list[ToolCall]:
        """Run one turn's tool uses; an interrupt keeps what ran on the chat, for the next turn."""
        done: dict[str, ToolCall] = {}
        try:
            await self._run_all(uses, done)
        except KeyboardInterrupt:
            calls = self._settled(uses, done)
            if prepared.keep:
                prepared.chat.pending_results = tuple(call.result_block() for call in calls)
            raise CallInterrupted(self._last(self.joined(complete=False))) from None
        return self._settled(uses, done)

    async def _run_all(self, uses: list[dict[str, Any]], done: dict[str, ToolCall]) -> None:
        approved = [await self._approve(use) for use in uses]
        if self.toolset.parallel:
            with finish_before_interrupt(self._say):
                await self._together(approved, done)
            return
        for call in approved:
            with finish_before_interrupt(self._say):
                done[call.id] = self._finish(await self._one(call))

    def _settled(self, uses: list[dict[str, Any]], done: dict[str, ToolCall]) -> list[ToolCall]:
        """The turn's calls in the model's order, each row settled; a call that never finished reads as interrupted."""
        calls = [done.get(str(use.get("id"))) or self._interrupted(use) for use in uses]
        calls = [call if call.id in self._shown else self._finish(call) for call in calls]
        self.calls += calls
        return calls

    async def _approve(self, use: dict[str, Any]) -> ToolCall:
        tool = self.toolset.tools.get(str(use.get("name")))
        call = _call_of(use, tool)
        if call.is_error:  # the input is no JSON object: nothing to approve or run
            return call
        approver = self.toolset.approver
        if tool is not None and approver is not None:
            refusal, by = await self._refusal(approver, call)
            if refusal is not None:
                return replace(call, content=refusal, is_error=True, denied=True, decided_by=by)
            call = replace(call, decided_by=by)
        self.on_event(ToolStarted(call.id, call.name, call.input, call.source))  # its row says "running"
        return call

    async def _refusal(self, approver: Approver, call: ToolCall) -> tuple[str | None, str]:
        """(None if approved, else what the model hears; who answered); one that cannot ask denies, saying why."""
        if getattr(approver, "will_ask", lambda call: True)(call):  # a standing approval (--yes) asks nobody
            self._say(f"waiting for your approval of {call.name}")
        try:
            ok = await approver.approve(call)
        except Exception as error:  # no frontend, no stdin, no answer in time: the loop goes on without the call
            why = _one_line(error)
            self._say(f"{call.name} was denied: {why}")
            return f"Nobody approved this tool call ({why}); it did not run.", ""
        return (None if ok else DENIED), _decider(approver, call)

    async def _one(self, call: ToolCall) -> ToolCall:
        if call.is_error:
            return call
        tool = self.toolset.tools.get(call.name)
        if self.blocking:
            return run_call(tool, call)
        return await arun_call(tool, call)

    async def _together(self, calls: list[ToolCall], done: dict[str, ToolCall]) -> None:
        """Run approved calls at once on worker threads; a second interrupt stops waiting for them (they run on)."""
        tools = self.toolset.tools

        def job(call: ToolCall) -> None:
            done[call.id] = call if call.is_error else run_call(tools.get(call.name), call)

        pool = ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="claude-magic-tool")
        try:
            if self.blocking:
                list(pool.map(job, calls))
            else:
                loop = asyncio.get_running_loop()
                await asyncio.gather(*(loop.run_in_executor(pool, job, call) for call in calls))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _say(self, status: str) -> None:
        if self.on_status is not None:
            self.on_status(status)

    def _finish(self, call: ToolCall) -> ToolCall:
        self._shown.add(call.id)
        self.on_event(ToolFinished(call))
        return call

    def _interrupted(self, use: dict[str, Any]) -> ToolCall:
        call = _call_of(use, self.toolset.tools.get(str(use.get("name"))))
        return replace(call, content=INTERRUPTED, is_error=True)

    def _last(self, reply: Reply) -> Reply:
        """The cell's reply, every round joined, is what `session().last` holds (the object -o binds)."""
        self.session.last = reply
        return reply

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


def _call_of(use: dict[str, Any], tool: Tool | None) -> ToolCall:
    """The call a tool_use block asks for; an input that is no JSON object fails it before anything runs."""
    name, arguments = str(use.get("name")), use.get("input")
    call = ToolCall(str(use.get("id")), name, arguments if isinstance(arguments, dict) else {}, _source(tool))
    if arguments is None or isinstance(arguments, dict):
        return call
    kind = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(type(arguments), "value")
    refused = f"The input of {name} must be a JSON object of named arguments, not a JSON {kind}; the tool did not run."
    return replace(call, content=refused, is_error=True)


def run_call(tool: Tool | None, call: ToolCall) -> ToolCall:
    """Run one call blocking; its failure, whatever it is (sys.exit() too), becomes an error result for the model."""
    if tool is None or non_finite(call.input):
        return _refused(tool, call)
    started = time.perf_counter()
    try:
        return _ran(call, tool.call(call.input), started)
    except KeyboardInterrupt:  # the user's: it stops the loop (finish_before_interrupt)
        raise
    except BaseException as error:  # SystemExit, GeneratorExit, ...: the tool ended, the loop and the kernel carry on
        return _failed(call, error, started)


async def arun_call(tool: Tool | None, call: ToolCall) -> ToolCall:
    """Run one call, awaiting it in the running loop."""
    if tool is None or non_finite(call.input):
        return _refused(tool, call)
    started = time.perf_counter()
    try:
        return _ran(call, await tool.acall(call.input), started)
    except KeyboardInterrupt:
        raise
    except asyncio.CancelledError as error:
        if _cancelling():  # the cell itself is being cancelled, not just something inside the tool
            raise
        return _failed(call, error, started)
    except BaseException as error:  # as in run_call
        return _failed(call, error, started)


def _decider(approver: Approver, call: ToolCall) -> str:
    """Who answered for `call`: the approver's own word where it keeps one, else the user."""
    decided_by = getattr(approver, "decided_by", None)
    return str(decided_by(call)) if callable(decided_by) else "you"


def _cancelling() -> bool:
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+; before it, every cancellation is the cell's
    return cancelling is None or bool(cancelling())


def _refused(tool: Tool | None, call: ToolCall) -> ToolCall:
    """The error result of a call that does not run: no such tool, or an input JSON cannot carry."""
    if tool is None:
        return replace(call, content=f"No tool named {call.name!r} in this cell.", is_error=True)
    return replace(call, content=non_finite_note(non_finite(call.input)), is_error=True)


def _ran(call: ToolCall, output: str | list[dict[str, Any]], started: float) -> ToolCall:
    return replace(call, content=_sendable(output), duration_s=time.perf_counter() - started)


def _failed(call: ToolCall, error: BaseException, started: float) -> ToolCall:
    from .tools.results import error_output

    # A ToolError's content (blocks too) is the result as the tool wrote it; any other error reads as one line.
    content = _exit_text(error) if isinstance(error, SystemExit) else error_output(error)
    return replace(call, content=_sendable(content), is_error=True, duration_s=time.perf_counter() - started)


def _exit_text(error: SystemExit) -> str:
    return (
        f"The tool called sys.exit({error.code!r}) and stopped there (argparse exits on arguments it cannot parse); "
        "the kernel carries on."
    )


def _one_line(error: Exception) -> str:
    from .tools.results import error_text

    return " ".join(error.message.split()) if isinstance(error, ClaudeMagicError) else error_text(error)


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
