"""Hostile MCP servers (issue 22, defects 12-14): real server processes, real shells and real kernels.

12: tool names and schemas the API refuses never make the cell's requests a 400;
13: the `mcp` library's log records never reach the notebook, they join the server's stderr tail;
14: an interrupt while a server starts is one line and leaves no process; neither does a hard-killed kernel.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_magic.core.errors import McpError
from claude_magic.core.tools import result_text
from claude_magic.tools import mcp_names
from claude_magic.tools.mcp import McpServerConfig, McpServers
from tests.faults.test_kernel_faults import SETUP
from tests.kernels import drain, execute, go_offline, text_of

HOSTILE = Path(__file__).parent.parent / "tools" / "hostile_mcp_server.py"
API_NAME = re.compile(r"[a-zA-Z0-9_-]{1,128}")  # the API's rule, written out here as the API states it
LONG_SERVER = "s" * 64  # the longest server name a config may have


def entry(mode: str, pid_file: Path | None = None) -> dict[str, Any]:
    env = {"MCP_TEST_PID_FILE": str(pid_file)} if pid_file else {}
    return {"command": sys.executable, "args": [str(HOSTILE), mode], "env": env}


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed child waits in /proc until someone reaps it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def wait_for_pid(pid_file: Path, seconds: float = 20) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = pid_file.read_text() if pid_file.exists() else ""
        if text.strip():
            return int(text)
        time.sleep(0.05)
    raise AssertionError("the MCP server never started")


def reap(pid_file: Path) -> None:
    """Leave no process behind, whatever the test found."""
    if pid_file.exists() and pid_file.read_text().strip():
        pid = int(pid_file.read_text())
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def one_line_error(outputs: list[dict[str, Any]]) -> str:
    errors = [msg["content"] for msg in outputs if msg["msg_type"] == "error"]
    assert len(errors) == 1 and len(errors[0]["traceback"]) == 1, errors
    assert "Traceback" not in text_of(outputs)
    return str(errors[0]["traceback"][0])


@pytest.fixture
def servers(magics, session) -> Iterator[dict[str, Any]]:
    configured: dict[str, Any] = {}
    yield configured
    if session.mcp_started:
        session.mcp.stop_all()


def configure(magics: Any, servers: dict[str, Any], **entries: dict[str, Any]) -> None:
    servers.update(entries)
    magics.mcp_servers = dict(servers)


def sent_names(sim: Any) -> list[list[str]]:
    return [[tool["name"] for tool in request.body.get("tools", [])] for request in sim.requests]


# --- 12: names and schemas --------------------------------------------------------------------------


def test_names_the_api_refuses_get_aliases_and_the_server_is_called_by_its_own_names(run, shell, sim, magics, servers):
    configure(magics, servers, hostile=entry("names"))
    result, out = run("%%claude --mcp hostile -o r\nUse dotted_name and has_space and trailing_.\n")
    assert result.error_in_exec is None and "Traceback" not in out.stdout + out.stderr
    names = sent_names(sim)[0]
    assert all(API_NAME.fullmatch(name) for name in names) and len(set(names)) == len(names) == 10
    calls = {call.name: call for call in shell.user_ns["r"].tool_calls}
    assert set(calls) == {"dotted_name", "has_space", "trailing_"}
    assert result_text(calls["dotted_name"].content) == "called 'dotted.name'"  # the server's own name
    assert result_text(calls["trailing_"].content) == "called 'trailing\\n'"
    assert calls["has_space"].source == "mcp:hostile tool has space"  # the row shows the server's name
    assert len(sim.requests) == 2 and sent_names(sim)[1] == names  # the results were accepted too


def test_clash_names_over_128_characters_are_cut_and_stay_distinct(run, sim, magics, servers):
    configure(magics, servers, **{LONG_SERVER: entry("names"), "t" * 64: entry("names")})
    result, out = run(f"%%claude --mcp {LONG_SERVER} {'t' * 64}\nhello\n")
    assert result.error_in_exec is None and "Traceback" not in out.stdout
    (names,) = sent_names(sim)
    assert all(API_NAME.fullmatch(name) for name in names) and len(set(names)) == len(names) == 20


def test_a_registrys_tools_carry_aliases_and_call_the_servers_names():
    registry = McpServers(start_timeout=30)
    config = McpServerConfig("hostile", sys.executable, (str(HOSTILE), "names"))
    try:
        blocking = registry.tools(config)
        assert all(API_NAME.fullmatch(tool.definition()["name"]) for tool in blocking)
        dotted = next(tool for tool in blocking if tool.name == "dotted_name")
        assert result_text(dotted.call({})) == "called 'dotted.name'"
    finally:
        registry.stop_all()


def test_aliases_are_valid_unique_and_the_same_every_time():
    hostile = ["a.b", "a_b", "a b", "", "x" * 300, "x" * 299 + "y", "é", "ok", "ok", "a_b_0b3cd863", "-", "\n"]
    tools = [(server, name) for server in ("one", "two" * 21) for name in hostile[:-3]]
    tools += [("one", name) for name in hostile[-3:]]
    first = mcp_names.aliases(tools)
    assert first == mcp_names.aliases(list(tools))
    assert all(API_NAME.fullmatch(alias) for alias in first)
    assert len({(tool, alias) for tool, alias in zip(tools, first, strict=True)}) == len(set(tools))
    unique = dict(zip(tools, first, strict=True))
    assert len(set(unique.values())) == len(unique)
    assert mcp_names.aliases([("one", "fine")]) == ["fine"]  # a valid name is left alone


def test_schemas_the_api_refuses_are_left_out_in_one_line_each(run, sim, magics, servers):
    configure(magics, servers, bad=entry("schemas"))
    result, out = run("%%claude --mcp bad\nUse fine.\n")
    assert result.error_in_exec is None and "Traceback" not in out.stdout + out.stderr
    tools = {tool["name"]: tool for tool in sim.requests[0].body["tools"]}
    assert set(tools) == {"huge_description", "twice", "fine"}
    assert len(tools["huge_description"]["description"]) <= mcp_names.DESCRIPTION_CHARS
    left_out = [line for line in out.stderr.splitlines() if "left out" in line]
    assert len(left_out) == 4 and all(len(line) <= 300 and "MCP server `bad`" in line for line in left_out)
    assert any("unknown_type" in line and "not valid JSON Schema" in line for line in left_out)


def test_a_tool_list_the_mcp_sdk_refuses_is_one_line_naming_the_server(run, sim, magics, servers):
    configure(magics, servers, strict=entry("not-object"))
    result, out = run("%%claude --mcp strict\nhello\n")
    assert isinstance(result.error_in_exec, McpError) and sim.requests == []
    line = result.error_in_exec.message
    assert "`strict`" in line and "tools.1.inputSchema.type" in line and "exited" not in line
    assert "Traceback" not in out.stdout + out.stderr


def test_the_simulator_refuses_what_the_api_refuses(make_client):
    import anthropic

    client = make_client()
    bad = [
        {"name": "add\n", "input_schema": {"type": "object"}},
        {"name": "dotted.name", "input_schema": {"type": "object"}},
        {"name": "ok", "input_schema": {"type": "object", "additionalProperties": 5}},
    ]
    for tool in bad:
        with pytest.raises(anthropic.BadRequestError):
            client.messages.create(
                model="claude-sonnet-5-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}], tools=[tool]
            )


# --- 13: the mcp library's logging --------------------------------------------------------------------


class Caught(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def root_records() -> Iterator[list[logging.LogRecord]]:
    """What reaches the root logger, as it would reach a notebook with logging.basicConfig()."""
    caught = Caught()
    logging.getLogger().addHandler(caught)
    yield caught.records
    logging.getLogger().removeHandler(caught)


def test_non_json_lines_on_stdout_never_reach_the_cell(run, sim, magics, servers, root_records):
    configure(magics, servers, noisy=entry("noisy"))
    result, out = run("%%claude --mcp noisy -o r\nUse fine.\n")
    assert result.error_in_exec is None
    assert "ERROR" not in out.stdout + out.stderr and "Traceback" not in out.stdout + out.stderr
    assert [r for r in root_records if r.name.startswith("mcp")] == []


def test_the_librarys_records_join_the_servers_stderr_tail(root_records):
    registry = McpServers(start_timeout=3)
    config = McpServerConfig("mute", sys.executable, (str(HOSTILE), "noisy-mute"))
    try:
        with pytest.raises(McpError) as raised:
            registry.tools(config)
    finally:
        registry.stop_all()
    assert "did not finish starting within 3 s" in raised.value.message
    assert "Failed to parse JSONRPC message" in raised.value.stderr and "not JSON" in raised.value.stderr
    assert [r for r in root_records if r.name.startswith("mcp")] == []


def test_records_of_the_users_own_mcp_use_still_reach_the_root_logger(root_records):
    from claude_magic.tools.mcp import _background_loop

    _background_loop()  # our handler is in place once the loop runs
    logging.getLogger("mcp.client.stdio").error("the user's own client")
    assert [r.getMessage() for r in root_records] == ["the user's own client"]


# --- 14: interrupts and hard kills --------------------------------------------------------------------


def test_an_interrupt_while_a_server_starts_in_a_shell_is_one_line_and_leaves_no_process(
    run, sim, magics, servers, tmp_path
):
    pid_file = tmp_path / "pid"
    configure(magics, servers, slow=entry("deaf-start", pid_file))

    def press_interrupt() -> None:
        wait_for_pid(pid_file)
        os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=press_interrupt)
    presser.start()
    try:
        result, out = run("%%claude --mcp slow\nhello\n")
        presser.join()
        assert isinstance(result.error_in_exec, McpError) and "interrupted while starting" in str(result.error_in_exec)
        assert "Traceback" not in out.stdout + out.stderr and sim.requests == []
        assert gone_within(wait_for_pid(pid_file), 5)
    finally:
        reap(pid_file)


@pytest.fixture
def kernel(monkeypatch) -> Iterator[tuple[Any, Any]]:
    from jupyter_client.manager import start_new_kernel

    go_offline(monkeypatch)
    manager, client = start_new_kernel(kernel_name="python3")
    execute(client, SETUP)
    yield manager, client
    client.stop_channels()
    with contextlib.suppress(Exception):  # a kernel the test killed has little left to shut down
        manager.shutdown_kernel(now=True)


def start_slow_server(client: Any, pid_file: Path) -> str:
    servers = {"slow": entry("deaf-start", pid_file)}
    execute(client, f"%config ClaudeMagics.mcp_servers = {servers!r}")
    return str(client.execute("%%claude --mcp slow\nhello", stop_on_error=True))


def test_an_interrupt_while_a_server_starts_in_a_kernel_is_one_line_and_leaves_no_process(kernel, tmp_path):
    manager, client = kernel
    pid_file = tmp_path / "pid"
    try:
        msg_id = start_slow_server(client, pid_file)
        pid = wait_for_pid(pid_file)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=30)["content"]
        outputs = drain(client, msg_id)
        assert reply["status"] == "error" and reply["ename"] == "McpError"
        line = one_line_error(outputs)
        assert "`slow`: interrupted while starting" in line and len(line) <= 300
        assert gone_within(pid, 5)
        _, check = execute(client, "print(len(sim.requests))")
        assert text_of(check).strip() == "0"
    finally:
        reap(pid_file)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the guard uses Linux's PR_SET_PDEATHSIG")
def test_a_hard_killed_kernel_leaves_no_server_behind(kernel, tmp_path):
    manager, client = kernel
    pid_file = tmp_path / "pid"
    try:
        start_slow_server(client, pid_file)
        pid = wait_for_pid(pid_file)
        assert alive(pid)
        os.kill(manager.provisioner.process.pid, signal.SIGKILL)  # no atexit, no finally: the kernel is gone
        assert gone_within(pid, 5)
    finally:
        reap(pid_file)
