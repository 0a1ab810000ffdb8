"""MCP servers' tools: run stdio MCP servers in the background and offer each of their tools as a `Tool`.

`McpServers` is a registry of running servers. Every server is a subprocess spoken to through the
official `mcp` SDK (`stdio_client` + `ClientSession`); all of them live on ONE background thread with
its own asyncio event loop, so neither the kernel's loop nor a free main thread is needed: a blocking
cell calls a tool with `McpTool.call`, async code awaits `McpTool.acall`. A server starts on first use
(`McpServers.tools`) and is reused; one that dies is forgotten and restarts on next use.

Every failure is one `McpError` line: a command that does not exist, a server that exits or hangs
while starting, a call that times out, a server that dies mid-call. The server's stderr goes to a
temporary file, never to the notebook; its last lines end up in the error.

A server gets `env` on top of the SDK's small default environment (PATH, HOME, ...), not the kernel's
whole environment, so API keys are not handed to every server.

Tool names: the model sees an alias the API takes (`mcp_names.aliases`: the tool's own name when it
can, `SERVER__TOOL` when two servers share a name, invalid characters replaced, cut, hashed); the
server is still asked for its own name, and the tool's row shows it. A tool whose schema the API would
refuse is left out of the cell, with one line saying why.

The `mcp` library's log records (a server writing lines that are not JSON-RPC, say) go to that server's
stderr tail, not to the notebook. A server is started through `mcp_guard.py` on Linux, so it dies with
the kernel even when the kernel is killed hard.

`mcp` is imported inside functions only: `%load_ext claude_magic` must not import it.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import contextvars
import logging
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO, TypeVar, cast

from ..core.errors import McpError
from . import ToolOutput
from . import mcp_names as names

if TYPE_CHECKING:
    from mcp import ClientSession
    from mcp.types import CallToolResult
    from mcp.types import Tool as McpToolInfo

T = TypeVar("T")
Warn = Callable[[str], None]  # takes one line about a tool left out

START_TIMEOUT_S = 20.0  # spawn, initialize and list_tools
CALL_TIMEOUT_S = 60.0  # one tools/call
STOP_TIMEOUT_S = 15.0  # the SDK's own shutdown waits 2 s for an exit, then 2 s after SIGTERM
STDERR_LINES = 5  # how much of a server's stderr an McpError keeps
_STDERR_TAIL_BYTES = 8192
_EXIT_POLL_S = 0.05
_LOG_CHARS = 300  # one log record, as a line of the server's stderr tail
_GUARD = Path(__file__).with_name("mcp_guard.py")
_GUARD_CANNOT_RUN = 127  # mcp_guard.CANNOT_RUN
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONFIG_KEYS = ("command", "args", "env", "cwd", "type")


class McpToolError(Exception):
    """The MCP tool ran and reported an error (`isError`); the message is its text, for the model to read."""

    def __init__(self, text: str, content: list[dict[str, Any]]) -> None:
        super().__init__(text)
        self.content = content  # the result's content as tool_result blocks (text, images, ...)


# --- configuration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class McpServerConfig:
    """How to start one stdio MCP server: `command args...` in `cwd`, with `env` added to its environment."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict, hash=False)
    cwd: str | None = None

    @classmethod
    def from_mapping(cls, name: str, mapping: Any) -> McpServerConfig:
        """Parse a config entry like `{"command": "python", "args": [...], "env": {...}}`; McpError if malformed."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise McpError(f"MCP server name {name!r} must be 1-64 letters, digits, _ or -.")
        if not isinstance(mapping, Mapping):
            raise McpError(f'MCP server `{name}`: its config must be a table like {{"command": ...}}, not {mapping!r}.')
        unknown = sorted(str(key) for key in mapping if key not in _CONFIG_KEYS)
        if unknown:
            raise McpError(f"MCP server `{name}`: unknown key {unknown[0]!r}; expected {', '.join(_CONFIG_KEYS)}.")
        if mapping.get("type", "stdio") != "stdio":
            raise McpError(f"MCP server `{name}`: only stdio servers are supported, not type {mapping['type']!r}.")
        return cls(
            name=name,
            command=_command(name, mapping.get("command")),
            args=_args(name, mapping.get("args", ())),
            env=_env(name, mapping.get("env", {})),
            cwd=_cwd(name, mapping.get("cwd")),
        )


def _command(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise McpError(f'MCP server `{name}`: "command" must be a non-empty string (the program to run).')
    return value


def _args(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(arg, str) for arg in value):
        raise McpError(f'MCP server `{name}`: "args" must be a list of strings, not {value!r}.')
    return tuple(value)


def _env(name: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise McpError(f'MCP server `{name}`: "env" must map names to string values.')
    return dict(value)


def _cwd(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise McpError(f'MCP server `{name}`: "cwd" must be a string (a directory).')
    return value


# --- the background loop ------------------------------------------------------------------------

_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_serving: contextvars.ContextVar[_Server] = contextvars.ContextVar("claude_magic_mcp_server")


class _ToServerTail(logging.Handler):
    """The `mcp` library's records: those of a server's tasks become a line of its stderr tail.

    A handler on the `mcp` logger cannot stop propagation, so the logger propagates no more; records
    from outside our servers (the user's own use of `mcp`) are handed to the root logger as before.
    """

    def emit(self, record: logging.LogRecord) -> None:
        server = _serving.get(None)
        if server is not None:
            if record.levelno >= logging.WARNING:  # debug chatter would push the server's own lines out
                server.note(_log_line(record))
        elif threading.current_thread() is not _thread:
            logging.getLogger().handle(record)


def _log_line(record: logging.LogRecord) -> str:
    with contextlib.suppress(Exception):  # a record whose arguments do not format is still a line
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {_brief(record.exc_info[1])}"
        return " ".join(f"[mcp {record.levelname.lower()}] {text}".split())[:_LOG_CHARS]
    return f"[mcp {record.levelname.lower()}] (a record that does not format)"


def _route_mcp_logs() -> None:
    logger = logging.getLogger("mcp")
    if not any(isinstance(handler, _ToServerTail) for handler in logger.handlers):
        logger.addHandler(_ToServerTail())
        logger.propagate = False


def _background_loop() -> asyncio.AbstractEventLoop:
    """The one event loop all MCP servers live on, running on its own daemon thread (started on first use)."""
    global _loop, _thread
    with _loop_lock:
        if _loop is None or _thread is None or not _thread.is_alive():
            _route_mcp_logs()
            _loop = asyncio.new_event_loop()
            _thread = threading.Thread(target=_loop.run_forever, name="claude-magic-mcp", daemon=True)
            _thread.start()
        return _loop


def _submit(coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
    return asyncio.run_coroutine_threadsafe(coro, _background_loop())


def _wait(coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """Run `coro` on the background loop and block for its result; `timeout` is only a backstop."""
    if threading.current_thread() is _thread:
        coro.close()
        raise McpError("An MCP tool was called blocking from the MCP loop's own thread; await acall() there.")
    future = _submit(coro)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        raise McpError(f"The MCP background loop did not answer within {timeout:g} s.") from None
    finally:
        if not future.done():
            future.cancel()  # e.g. KeyboardInterrupt in a blocking cell: the call is cancelled too


# --- one server ---------------------------------------------------------------------------------


class _Server:
    """One running server: its subprocess, session and tools. Lives entirely on the background loop."""

    def __init__(self, config: McpServerConfig, start_timeout: float) -> None:
        self.config = config
        self.start_timeout = start_timeout
        self.session: ClientSession | None = None
        self.tools: list[McpToolInfo] = []
        self.process: Any = None  # anyio Process, when the SDK's stdio_client lets us see it
        self.cause: BaseException | None = None  # why the start failed
        self.last_stderr: list[str] | None = None  # the stderr tail, kept when the file closes
        self.bad_answer = False  # the start failed on what the running server answered, not on its exit
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.stopping = asyncio.Event()
        # Closed by _serve when the server is gone; stdio_client wants a file with a fileno.
        self.stderr = cast(IO[bytes], tempfile.TemporaryFile("w+b"))  # noqa: SIM115
        self.task = asyncio.create_task(self._serve(), name=f"mcp:{config.name}")

    async def _serve(self) -> None:
        _serving.set(self)  # the SDK's tasks inherit it: their log records are this server's
        try:
            await self._run()
        except Exception as exc:  # spawning failed, or the SDK's task groups raised on the way out
            self.cause = self.cause or _leaf(exc)
        finally:
            self._settle()
            self.last_stderr = self.stderr_tail()
            self.stderr.close()

    async def _run(self) -> None:
        """Start, then serve until stopped or dead; a start failure is kept in `cause`, reported after cleanup."""
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client

        command, args = _guarded(self.config.command, list(self.config.args))
        params = StdioServerParameters(command=command, args=args, env=self.config.env, cwd=self.config.cwd)
        transport = stdio_client(params, errlog=cast(TextIO, self.stderr))
        async with transport as (read, write):
            self.process = _process_of(transport)
            async with ClientSession(read, write) as session:
                try:
                    self.tools = await asyncio.wait_for(_handshake(session), self.start_timeout)
                except Exception as exc:
                    self.cause, self.bad_answer = exc, not (self.exited or _connection_closed(exc))
                    return
                self.session = session
                self.ready.set_result(None)
                await self._until_stopped_or_dead()

    async def _until_stopped_or_dead(self) -> None:
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            while not stop.done() and not self.exited:
                await asyncio.wait({stop}, timeout=_EXIT_POLL_S)
        finally:
            stop.cancel()

    def _settle(self) -> None:
        """After cleanup: a start that never finished gets its one-line error."""
        if self.ready.done():
            return
        if self.cause is None:
            error = McpError(f"MCP server `{self.config.name}` was stopped before it finished starting.")
        else:
            error = self._start_error(self.cause)
        self.ready.set_exception(error)
        self.ready.exception()  # retrieved here, so an unawaited start logs no "never retrieved" warning

    def _start_error(self, cause: BaseException) -> McpError:
        name, tail = self.config.name, self.stderr_tail()
        last = f": {tail[-1]}" if tail else ""
        unrunnable = self._guard_could_not_run(tail)
        if (isinstance(cause, OSError) and self.process is None) or unrunnable:
            why = unrunnable or (cause.strerror if isinstance(cause, OSError) else None) or str(cause)
            return McpError(f"MCP server `{name}`: cannot run `{self.config.command}`: {why}. Check its command.")
        if isinstance(cause, asyncio.TimeoutError):
            text = f"MCP server `{name}` did not finish starting within {self.start_timeout:g} s{last}"
        elif self.returncode is not None and not self._killed_by_us and not self.bad_answer:
            text = f"MCP server `{name}` exited during start (exit code {self.returncode}){last}"
        else:
            text = f"MCP server `{name}` failed to start: {_refusal(cause)}{last}"
        return McpError(text, stderr="\n".join(tail))

    def _guard_could_not_run(self, tail: list[str]) -> str | None:
        """Why mcp_guard.py could not exec the command (its exit code and stderr line say so), else None."""
        said = [line for line in tail if line.startswith("cannot run `")]
        return said[-1].rpartition(": ")[2] if said and self.returncode == _GUARD_CANNOT_RUN else None

    @property
    def _killed_by_us(self) -> bool:
        return self.returncode is not None and self.returncode < 0  # SIGTERM/SIGKILL from the SDK's shutdown

    @property
    def returncode(self) -> int | None:
        code = getattr(self.process, "returncode", None)
        return code if isinstance(code, int) else None

    @property
    def exited(self) -> bool:
        return self.returncode is not None

    @property
    def running(self) -> bool:
        return self.ready.done() and not self.ready.exception() and not self.task.done() and not self.exited

    def note(self, line: str) -> None:
        """Add a line of our own (a log record about this server) to its stderr file, after what it wrote."""
        with contextlib.suppress(OSError, ValueError):  # the file is closed once the server is gone
            os.write(self.stderr.fileno(), (line + "\n").encode("utf-8", "replace"))

    def kill(self) -> None:
        """SIGKILL the server's process group now (it is its own session leader): for an interrupted start."""
        pid = getattr(self.process, "pid", None)
        if isinstance(pid, int) and not self.exited:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)

    def stderr_tail(self) -> list[str]:
        """The last STDERR_LINES non-blank lines the server wrote to stderr."""
        if self.last_stderr is not None:
            return self.last_stderr
        with contextlib.suppress(OSError, ValueError):
            size = self.stderr.seek(0, 2)
            self.stderr.seek(max(0, size - _STDERR_TAIL_BYTES))
            lines = self.stderr.read().decode("utf-8", "replace").splitlines()
            return [line.strip() for line in lines if line.strip()][-STDERR_LINES:]
        return []

    async def stop(self) -> None:
        """Stop the server, even one still starting, and wait (bounded) until its subprocess is gone."""
        if self.ready.done():
            self.stopping.set()
        else:
            self.task.cancel()  # the SDK's shutdown is shielded: the process is still ended
        await asyncio.wait({self.task}, timeout=STOP_TIMEOUT_S)

    async def call(self, tool: str, arguments: dict[str, Any], timeout: float) -> CallToolResult:
        """One tools/call; McpError if it times out, fails, or the server dies meanwhile."""
        assert self.session is not None
        name = self.config.name
        try:
            return await asyncio.wait_for(self.session.call_tool(tool, arguments), timeout)
        except asyncio.TimeoutError:
            raise McpError(f"MCP server `{name}` did not answer the call to `{tool}` within {timeout:g} s.") from None
        except Exception as exc:
            if not (_connection_closed(exc) or self.exited):
                raise McpError(f"MCP server `{name}`: the call to `{tool}` failed: {_describe(exc)}") from None
        await self._wind_down()
        code = "unknown" if self.returncode is None else self.returncode
        raise McpError(
            f"MCP server `{name}` stopped during the call to `{tool}` (exit code {code}); it restarts on next use.",
            stderr="\n".join(self.stderr_tail()),
        )

    async def _wind_down(self) -> None:
        """After the connection closed: give the exit a moment to be seen, then make sure the process is gone."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._exit_seen(), 2.0)
        await self.stop()

    async def _exit_seen(self) -> None:
        while not self.exited and not self.task.done():
            await asyncio.sleep(_EXIT_POLL_S)


async def _handshake(session: ClientSession) -> list[McpToolInfo]:
    """initialize, then every page of list_tools."""
    from mcp.types import PaginatedRequestParams

    await session.initialize()
    listing = await session.list_tools()
    tools = list(listing.tools)
    while listing.next_cursor:
        listing = await session.list_tools(params=PaginatedRequestParams(cursor=listing.next_cursor))
        tools.extend(listing.tools)
    return tools


def _process_of(transport: Any) -> Any:
    """The subprocess inside the SDK's stdio_client, for its pid and exit code; None if the SDK hides it.

    stdio_client yields streams only; its generator frame, suspended at that yield, holds `process`.
    """
    frame = getattr(getattr(transport, "gen", None), "ag_frame", None)
    return getattr(frame, "f_locals", {}).get("process")


def _guarded(command: str, args: list[str]) -> tuple[str, list[str]]:
    """The command line that runs the server through mcp_guard.py, where that works (Linux, a known Python)."""
    if not sys.platform.startswith("linux") or not sys.executable or not _GUARD.is_file():
        return command, args
    return sys.executable, ["-I", str(_GUARD), str(os.getpid()), command, *args]


def _refusal(exc: BaseException) -> str:
    """What was wrong with a server's answer: the first thing the SDK's validation names, or the exception."""
    from pydantic import ValidationError

    exc = _leaf(exc)
    if not isinstance(exc, ValidationError) or not exc.errors():
        return _describe(exc)
    first, more = exc.errors()[0], exc.error_count() - 1
    where = ".".join(str(part) for part in first["loc"])
    also = f" (and {more} more)" if more else ""
    return f"the MCP SDK refuses its {exc.title} at {where}: {first['msg']}{also}; fix the server or leave it out"


def _brief(exc: BaseException) -> str:
    """An exception in a few words; a validation error as its first message and the input it was about."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        return f"{first['msg']} in {str(first.get('input', ''))[:80]!r}"
    return _describe(exc)


def _leaf(exc: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups, as anyio task groups raise them."""
    while isinstance(getattr(exc, "exceptions", None), tuple) and exc.exceptions:  # type: ignore[attr-defined]
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return exc


def _connection_closed(exc: BaseException) -> bool:
    from mcp.shared.exceptions import MCPError
    from mcp.types import CONNECTION_CLOSED

    return isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED


def _describe(exc: BaseException) -> str:
    exc = _leaf(exc)
    return str(exc) or type(exc).__name__


# --- results ------------------------------------------------------------------------------------


def tool_output(result: CallToolResult) -> ToolOutput:
    """A CallToolResult as tool_result content; McpToolError with the result's text if it is an error.

    Text, images and embedded resources convert with the Anthropic SDK's `mcp_content`; content it
    cannot convert (audio, resource links) becomes a short text block saying so.
    """
    import json

    blocks = [_block(item) for item in result.content]
    if result.is_error:
        text = "\n".join(str(b["text"]) for b in blocks if b.get("type") == "text")
        raise McpToolError(text or "The MCP tool reported an error.", blocks)
    if not blocks and result.structured_content is not None:
        return json.dumps(result.structured_content, ensure_ascii=False)
    return blocks or ""


def _block(item: Any) -> dict[str, Any]:
    from anthropic.lib.tools.mcp import UnsupportedMCPValueError, mcp_content

    try:
        block: dict[str, Any] = dict(mcp_content(item))  # plain: the SDK's is a tagged dict subclass
    except UnsupportedMCPValueError as exc:
        return {"type": "text", "text": f"[{getattr(item, 'type', 'content')} not shown: {exc}]"}
    source = block.get("source")
    if isinstance(source, Mapping):
        block["source"] = dict(source)
    return block


# --- the registry and its tools -----------------------------------------------------------------


class McpServers:
    """The MCP servers this kernel runs, by name: started on first use, reused, stopped on demand or at exit."""

    def __init__(self, *, start_timeout: float = START_TIMEOUT_S, call_timeout: float = CALL_TIMEOUT_S) -> None:
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self._servers: dict[str, _Server] = {}  # touched on the background loop only
        atexit.register(self._stop_at_exit)

    def tools(self, config: McpServerConfig, warn: Warn | None = None) -> list[McpTool]:
        """The server's tools, starting it first if it is not running (blocking); McpError if it cannot start.

        Each is named as the API allows; a tool it would refuse is left out (see `tools_for`).
        """
        return self.tools_for([config], warn)

    def tools_for(self, configs: Sequence[McpServerConfig], warn: Warn | None = None) -> list[McpTool]:
        """The tools of several servers, each named as the API allows (`mcp_names.aliases`).

        A tool the API would refuse, or a name a server lists twice, is left out; `warn` gets one line saying so.
        """
        return _named([tool for config in configs for tool in self._started(config)], warn or _warn)

    def _started(self, config: McpServerConfig) -> list[McpTool]:
        """The tools as the server lists them, started if need be; an interrupt cancels the start: no process left."""
        try:
            return self._tools_of(_wait(self._ensure(config), self._backstop(self.start_timeout)))
        except KeyboardInterrupt:
            with contextlib.suppress(McpError, KeyboardInterrupt):  # a second interrupt: the stop goes on alone
                _wait(self._cancel_start(config.name), self._backstop(STOP_TIMEOUT_S))
            raise McpError(
                f"MCP server `{config.name}`: interrupted while starting; it was stopped and nothing was sent. "
                "Run the cell again to start it."
            ) from None

    def running(self) -> list[str]:
        """Names of the servers that are up, in start order."""
        return [name for name, server in list(self._servers.items()) if server.running]

    def stop(self, name: str) -> bool:
        """Stop the server `name` and wait until its process is gone; False if it was not running."""
        if name not in self._servers:
            return False
        return _wait(self._stop(name), self._backstop(STOP_TIMEOUT_S))

    def stop_all(self) -> None:
        """Stop every server, all at once, and wait until their processes are gone."""
        if self._servers:
            _wait(self._stop_all(), self._backstop(STOP_TIMEOUT_S))

    def _stop_at_exit(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter exit, a failure has no one to tell
            self.stop_all()

    def call(self, config: McpServerConfig, tool: str, arguments: dict[str, Any]) -> ToolOutput:
        """Call `tool` on the server, (re)starting it if needed, blocking."""
        return _wait(self._call(config, tool, arguments), self._backstop(self.start_timeout + self.call_timeout))

    async def acall(self, config: McpServerConfig, tool: str, arguments: dict[str, Any]) -> ToolOutput:
        """`call`, awaited; cancelling the awaiting task cancels the call."""
        return await asyncio.wrap_future(_submit(self._call(config, tool, arguments)))

    # On the background loop:

    async def _ensure(self, config: McpServerConfig) -> _Server:
        server = self._servers.get(config.name)
        if server is not None and (server.config != config or server.task.done() or server.exited):
            await self._stop(config.name)  # a new config for the name, or a server that died meanwhile
            server = None
        if server is None:
            server = self._servers[config.name] = _Server(config, self.start_timeout)
            server.task.add_done_callback(lambda _: self._forget(server))
        await asyncio.shield(server.ready)
        return server

    def _forget(self, server: _Server) -> None:
        if self._servers.get(server.config.name) is server:
            del self._servers[server.config.name]

    async def _stop(self, name: str) -> bool:
        server = self._servers.pop(name, None)
        if server is None:
            return False
        await server.stop()
        return True

    async def _cancel_start(self, name: str) -> None:
        server = self._servers.get(name)
        if server is not None and not server.ready.done():
            server.kill()
        await self._stop(name)

    async def _stop_all(self) -> None:
        await asyncio.gather(*(self._stop(name) for name in list(self._servers)))

    async def _call(self, config: McpServerConfig, tool: str, arguments: dict[str, Any]) -> ToolOutput:
        server = await self._ensure(config)
        return tool_output(await server.call(tool, arguments, self.call_timeout))

    def _tools_of(self, server: _Server) -> list[McpTool]:
        return [McpTool.from_info(self, server.config, info) for info in server.tools]

    @staticmethod
    def _backstop(timeout: float) -> float:
        return timeout + 2 * STOP_TIMEOUT_S  # the inner timeouts fire first; cleanup gets time too


def _named(tools: list[McpTool], warn: Warn) -> list[McpTool]:
    """The tools fit to send, each given its alias; McpError if two cannot be told apart."""
    tools = _usable(tools, warn)
    for tool, alias in zip(tools, names.aliases([(t.server, t.mcp_name) for t in tools]), strict=True):
        tool.alias(alias)
    if len({tool.name for tool in tools}) != len(tools):
        raise McpError("MCP tools: two tools of these servers cannot be given distinct names; use fewer servers.")
    return tools


def _usable(tools: list[McpTool], warn: Warn) -> list[McpTool]:
    """The tools fit to send: a schema the API would refuse, or a name its server lists twice, is left out."""
    kept: dict[tuple[str, str], McpTool] = {}
    for tool in tools:
        key = (tool.server, tool.mcp_name)
        problem = "its server lists the name twice" if key in kept else names.schema_problem(tool.input_schema)
        if problem is None:
            kept[key] = tool
        else:
            warn(f"MCP server `{tool.server}`: tool `{names.shown(tool.mcp_name)}` left out: {problem}.")
    return list(kept.values())


def _warn(line: str) -> None:
    print(f"claude_magic: {line}", file=sys.stderr)


class McpTool:
    """One tool of an MCP server, as a `Tool`: its definition comes from the server's tools/list."""

    def __init__(
        self, servers: McpServers, config: McpServerConfig, mcp_name: str, description: str, schema: dict[str, Any]
    ) -> None:
        self.name = mcp_name  # the alias the model sees, once McpServers.tools_for gave it
        self.source = f"mcp:{config.name}"
        self.server = config.name
        self.mcp_name = mcp_name  # the server's own name for it: what it is called by
        self.description = names.description(description)
        self.input_schema = schema
        self._servers = servers
        self._config = config

    @classmethod
    def from_info(cls, servers: McpServers, config: McpServerConfig, info: McpToolInfo) -> McpTool:
        description = info.description or f"Tool `{names.shown(info.name)}` of the MCP server `{config.name}`."
        return cls(servers, config, info.name, description, dict(info.input_schema))

    def alias(self, name: str) -> None:
        """Offer the tool to the model as `name`; its row then shows the server's own name too."""
        self.name = name
        own = "" if name == self.mcp_name else f" tool {names.shown(self.mcp_name)}"
        self.source = f"mcp:{self.server}{own}"

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "input_schema": self.input_schema}

    def call(self, arguments: dict[str, Any]) -> ToolOutput:
        return self._servers.call(self._config, self.mcp_name, arguments)

    async def acall(self, arguments: dict[str, Any]) -> ToolOutput:
        return await self._servers.acall(self._config, self.mcp_name, arguments)

    def __repr__(self) -> str:
        return f"<McpTool {self.name} of {self.source}>"
