"""MCP servers' tools (claude_magic/tools/mcp.py) against a real stdio MCP server: tests/tools/mcp_server.py."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_magic.core.errors import McpError
from claude_magic.tools.mcp import McpServerConfig, McpServers, McpTool, McpToolError

SERVER = Path(__file__).with_name("mcp_server.py")


def config(name: str = "calc", *mode: str, pid_file: Path | None = None, **extra: str) -> McpServerConfig:
    env = {"MCP_TEST_PID_FILE": str(pid_file)} if pid_file else {}
    return McpServerConfig(name, sys.executable, (str(SERVER), *mode), env={**env, **extra})


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def by_name(tools: list[McpTool]) -> dict[str, McpTool]:
    return {tool.name: tool for tool in tools}


def pid_of(tools: list[McpTool] | McpTool) -> int:
    """The server's process id, as its `pid` tool (or the tool given) says."""
    tool = tools if isinstance(tools, McpTool) else by_name(tools)["pid"]
    output = tool.call({})
    assert isinstance(output, list)
    return int(output[0]["text"])


@pytest.fixture
def servers() -> Iterator[McpServers]:
    registry = McpServers(start_timeout=30, call_timeout=30)
    yield registry
    registry.stop_all()
    assert registry.running() == []


# --- configuration ------------------------------------------------------------------------------


def test_config_from_mapping_reads_a_claude_desktop_style_entry():
    entry = {"command": "python", "args": ["-m", "server"], "env": {"TOKEN_FILE": "/tmp/t"}, "cwd": "/srv"}
    parsed = McpServerConfig.from_mapping("files", entry)
    assert parsed == McpServerConfig("files", "python", ("-m", "server"), {"TOKEN_FILE": "/tmp/t"}, "/srv")
    assert McpServerConfig.from_mapping("x", {"command": "srv", "type": "stdio"}).args == ()


@pytest.mark.parametrize(
    ("name", "entry", "says"),
    [
        ("files", ["python"], "must be a table"),
        ("files", {}, '"command" must be a non-empty string'),
        ("files", {"command": ""}, '"command" must be a non-empty string'),
        ("files", {"command": "python", "args": "-m server"}, '"args" must be a list of strings'),
        ("files", {"command": "python", "args": ["-m", 3]}, '"args" must be a list of strings'),
        ("files", {"command": "python", "env": {"PORT": 80}}, '"env" must map names to string values'),
        ("files", {"command": "python", "cwd": 3}, '"cwd" must be a string'),
        ("files", {"command": "python", "argz": []}, "unknown key 'argz'"),
        ("files", {"url": "http://x", "type": "http"}, "unknown key 'url'"),
        ("files", {"command": "python", "type": "sse"}, "only stdio servers are supported"),
        ("my files", {"command": "python"}, "must be 1-64 letters, digits, _ or -"),
    ],
)
def test_a_malformed_config_entry_is_one_line(name, entry, says):
    with pytest.raises(McpError) as caught:
        McpServerConfig.from_mapping(name, entry)
    assert says in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value._render_traceback_() == [f"McpError: {caught.value.message}"]


# --- start, list, call --------------------------------------------------------------------------


def test_start_lists_the_tools_with_their_input_schemas(servers):
    tools = by_name(servers.tools(config()))
    assert {"add", "slow_echo", "pid", "fail", "pixel", "die"} <= set(tools)
    add = tools["add"].definition()
    assert set(add) == {"name", "description", "input_schema"}
    assert add["name"] == "add" and add["description"] == "Add two integers."
    assert add["input_schema"]["type"] == "object"
    assert add["input_schema"]["properties"]["a"]["type"] == "integer"
    assert sorted(add["input_schema"]["required"]) == ["a", "b"]
    echo = tools["slow_echo"].definition()["input_schema"]
    assert echo["properties"]["seconds"]["type"] == "number" and echo["required"] == ["text"]
    assert {tool.source for tool in tools.values()} == {"mcp:calc"}
    assert servers.running() == ["calc"]


def test_tools_are_called_blocking(servers):
    tools = by_name(servers.tools(config()))
    assert tools["add"].call({"a": 2, "b": 40}) == [{"type": "text", "text": "42"}]
    assert tools["slow_echo"].call({"text": "hé", "seconds": 0.01}) == [{"type": "text", "text": "hé"}]


def test_tools_are_awaited_with_acall_inside_asyncio_run(servers):
    tools = by_name(servers.tools(config()))

    async def both() -> list[object]:
        return await asyncio.gather(tools["add"].acall({"a": 1, "b": 2}), tools["slow_echo"].acall({"text": "hi"}))

    assert asyncio.run(both()) == [[{"type": "text", "text": "3"}], [{"type": "text", "text": "hi"}]]


def test_a_cell_that_blocks_its_own_event_loop_still_calls_a_tool(servers):
    # A cell runs on the kernel's loop and blocks it; the server lives on its own loop, so this returns.
    tools = by_name(servers.tools(config()))

    async def blocking_cell() -> object:
        return tools["add"].call({"a": 5, "b": 6})

    assert asyncio.run(blocking_cell()) == [{"type": "text", "text": "11"}]


def test_an_mcp_error_result_raises_with_its_text(servers):
    tools = by_name(servers.tools(config()))
    with pytest.raises(McpToolError) as caught:
        tools["fail"].call({"message": "the disk is full"})
    assert "the disk is full" in str(caught.value)
    assert caught.value.content[0]["type"] == "text"


def test_image_content_becomes_an_image_block(servers):
    (block,) = by_name(servers.tools(config()))["pixel"].call({})
    assert block["type"] == "image"
    assert block["source"]["type"] == "base64" and block["source"]["media_type"] == "image/png"
    assert block["source"]["data"].startswith("iVBORw0KGgo")
    assert type(block) is dict and type(block["source"]) is dict


def test_a_slow_call_times_out_in_one_line_and_the_server_keeps_serving():
    registry = McpServers(start_timeout=30, call_timeout=0.5)
    try:
        tools = by_name(registry.tools(config()))
        with pytest.raises(McpError, match=r"did not answer the call to `slow_echo` within 0.5 s"):
            tools["slow_echo"].call({"text": "late", "seconds": 60})
        assert tools["add"].call({"a": 1, "b": 1}) == [{"type": "text", "text": "2"}]
    finally:
        registry.stop_all()


# --- reuse and stop -----------------------------------------------------------------------------


def test_a_running_server_is_reused(servers, tmp_path):
    first = servers.tools(config(pid_file=tmp_path / "pid"))
    second = servers.tools(config(pid_file=tmp_path / "pid"))
    assert pid_of(first) == pid_of(second) == int((tmp_path / "pid").read_text())


def test_a_changed_config_restarts_the_server(servers):
    before = pid_of(servers.tools(config()))
    after = pid_of(servers.tools(config(MODE_FLAG="1")))
    assert before != after and not alive(before)
    assert servers.running() == ["calc"]


def test_stop_ends_the_process(servers):
    pid = pid_of(servers.tools(config()))
    assert alive(pid)
    assert servers.stop("calc") is True
    assert not alive(pid)
    assert servers.running() == []
    assert servers.stop("calc") is False


def test_stop_all_ends_every_process(servers):
    pids = [pid_of(servers.tools(config(name))) for name in ("one", "two")]
    assert servers.running() == ["one", "two"] and all(alive(pid) for pid in pids)
    servers.stop_all()
    assert servers.running() == [] and not any(alive(pid) for pid in pids)


def test_a_stopped_server_restarts_on_its_next_call(servers):
    tools = servers.tools(config())
    before = pid_of(tools)
    servers.stop("calc")
    assert pid_of(tools) != before
    assert servers.running() == ["calc"]


# --- failures -----------------------------------------------------------------------------------


def test_death_mid_call_is_one_line_and_the_next_call_restarts_the_server(servers):
    tools = by_name(servers.tools(config()))
    before = pid_of(list(tools.values()))
    with pytest.raises(McpError) as caught:
        tools["die"].call({"code": 3})
    assert caught.value.message == (
        "MCP server `calc` stopped during the call to `die` (exit code 3); it restarts on next use."
    )
    assert caught.value.stderr.splitlines()[-1] == "dying with 3"
    assert servers.running() == [] and not alive(before)
    assert tools["add"].call({"a": 2, "b": 2}) == [{"type": "text", "text": "4"}]
    assert pid_of(list(tools.values())) != before


def test_death_mid_acall_is_the_same_one_line(servers):
    die = by_name(servers.tools(config()))["die"]
    with pytest.raises(McpError, match=r"stopped during the call to `die` \(exit code 7\)"):
        asyncio.run(die.acall({"code": 7}))
    assert servers.running() == []


def test_a_command_that_does_not_exist_fails_at_once(servers):
    started = time.monotonic()
    with pytest.raises(McpError) as caught:
        servers.tools(McpServerConfig("ghost", "/no/such/mcp-server"))
    assert time.monotonic() - started < 10  # the start timeout is 30 s: the error did not wait for it
    assert caught.value.message == (
        "MCP server `ghost`: cannot run `/no/such/mcp-server`: No such file or directory. Check its command."
    )
    assert servers.running() == []


def test_a_server_that_exits_at_start_reports_its_last_stderr_line(servers, tmp_path):
    with pytest.raises(McpError) as caught:
        servers.tools(config("broken", "exit-at-start", pid_file=tmp_path / "pid"))
    assert caught.value.message == (
        "MCP server `broken` exited during start (exit code 2): fatal: no database at /nowhere"
    )
    assert caught.value.stderr == "loading config\nfatal: no database at /nowhere"
    assert not alive(int((tmp_path / "pid").read_text()))
    assert servers.running() == []


def test_a_server_that_never_answers_initialize_times_out_and_is_ended(tmp_path):
    registry = McpServers(start_timeout=1)
    with pytest.raises(McpError, match=r"^MCP server `mute` did not finish starting within 1 s$"):
        registry.tools(config("mute", "hang-at-start", pid_file=tmp_path / "pid"))
    assert not alive(int((tmp_path / "pid").read_text()))
    assert registry.running() == []


def test_stop_during_start_ends_the_process_and_the_start_says_so(servers, tmp_path):
    pid_file, outcome = tmp_path / "pid", []

    def start() -> None:
        try:
            servers.tools(config("mute", "hang-at-start", pid_file=pid_file))
        except McpError as error:
            outcome.append(error.message)

    starter = threading.Thread(target=start)
    starter.start()
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert servers.stop("mute") is True
    starter.join(30)
    assert outcome == ["MCP server `mute` was stopped before it finished starting."]
    assert not alive(int(pid_file.read_text()))


def test_a_failed_start_is_retried_on_next_use(servers, tmp_path):
    broken = config("flaky", "exit-at-start")
    for _ in range(2):
        with pytest.raises(McpError, match="exited during start"):
            servers.tools(broken)
    assert servers.tools(config("flaky"))  # the same name, now a good command: it starts


def test_the_servers_stderr_stays_out_of_the_notebook(servers, capfd):
    tools = by_name(servers.tools(config()))
    with pytest.raises(McpToolError):
        tools["fail"].call({"message": "loud"})
    with pytest.raises(McpError):
        tools["die"].call({})
    captured = capfd.readouterr()
    assert "loud" not in captured.err and "dying with" not in captured.err
    assert captured.out == ""


# --- several servers, threads, imports ----------------------------------------------------------


def test_a_tool_name_two_servers_share_is_prefixed_with_each_server(servers):
    tools = by_name(servers.tools_for([config("left"), config("right")]))
    assert {"left__add", "right__add", "left__pid", "right__pid"} <= set(tools)
    assert "add" not in tools
    assert tools["left__add"].definition()["name"] == "left__add"
    assert tools["right__add"].call({"a": 1, "b": 2}) == [{"type": "text", "text": "3"}]
    assert pid_of(tools["left__pid"]) != pid_of(tools["right__pid"])


def test_one_background_thread_serves_every_server_and_nothing_is_left_behind(servers):
    before = {thread.ident for thread in threading.enumerate()}
    for round_ in range(2):
        for name in ("a", "b"):
            servers.tools(config(name))
        servers.stop_all()
        assert servers.running() == [], round_
    loops = [thread for thread in threading.enumerate() if thread.name == "claude-magic-mcp"]
    assert len(loops) == 1
    # Python's own child watcher may still be finishing a waitpid thread per ended process: join them.
    left = [thread for thread in threading.enumerate() if thread.ident not in before and thread is not loops[0]]
    for thread in left:
        thread.join(10)
    assert [thread.name for thread in left if thread.is_alive()] == []


def test_importing_the_module_imports_no_mcp_sdk():
    probe = "import sys, claude_magic.tools.mcp\nprint('mcp' in sys.modules, 'anthropic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
