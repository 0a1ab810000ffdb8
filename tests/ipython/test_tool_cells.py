"""%%claude with tools and structured output, through a real InteractiveShell against the strict simulator."""

from __future__ import annotations

import builtins
import dataclasses
import sqlite3
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from claude_magic.core.tools import result_text
from claude_magic.simulator import ScriptedReply

TOOLS = '''
def get_price(sku: str, quantity: int = 1) -> float:
    """Price of `quantity` units of a product.

    Args:
        sku: the product code, e.g. SKU-12
        quantity: how many units
    """
    return {"SKU-12": 12.5}[sku] * quantity


async def convert_currency(amount: float, to: str = "EUR") -> float:
    """Convert US dollars to another currency."""
    return round(amount * 0.92, 2)
'''
PROMPT = "What do 3 units of sku=SKU-12 cost? Use get_price, then convert_currency."


@pytest.fixture
def tools(run, shell):
    run(TOOLS)
    yield
    for name in ("get_price", "convert_currency"):
        shell.user_ns.pop(name, None)


def test_a_tool_cell_runs_the_loop_and_binds_the_reply(run, shell, sim, tools):
    result, out = run(f"%%claude --tools get_price convert_currency -o r\n{PROMPT}\n")
    assert result.error_in_exec is None
    reply = shell.user_ns["r"]
    assert [call.name for call in reply.tool_calls] == ["get_price", "convert_currency"]
    assert reply.tool_calls[0].content == "37.5"  # 3 units
    assert reply.tool_calls[1].content == "34.5"  # the async function was awaited, on the price
    assert "get_price" in out.stdout and "37.5" in out.stdout
    definitions = sim.requests[0].body["tools"]
    assert definitions[0]["input_schema"]["properties"]["sku"]["description"] == "the product code, e.g. SKU-12"
    assert len(sim.requests) == 3  # the conversion waits for the price


def test_the_next_plain_cell_after_a_tool_cell_is_valid(run, sim, tools):
    run(f"%%claude --tools get_price convert_currency\n{PROMPT}\n")
    result, _ = run("%claude And in yen?")
    assert result.error_in_exec is None
    roles = [m["role"] for m in sim.requests[-1].body["messages"]]
    assert roles == ["user", "assistant", "user", "assistant", "user", "assistant", "user"]


def test_a_raising_tool_goes_back_as_an_error_and_the_cell_succeeds(run, sim, tools):
    result, _ = run("%%claude --tools get_price\nUse get_price for sku=SKU-99.\n")
    assert result.error_in_exec is None
    answer = sim.requests[-1].body["messages"][-1]["content"][0]
    assert answer["is_error"] is True and answer["content"].startswith("KeyError")


def test_invalid_arguments_go_back_as_an_error_naming_the_field(run, sim, tools):
    use = {"type": "tool_use", "name": "get_price", "input": {"sku": "SKU-12", "quantity": "three"}}
    sim.queue(ScriptedReply(content=(use,), stop_reason="tool_use"))
    run("%%claude --tools get_price\nprice?\n")
    answer = sim.requests[-1].body["messages"][-1]["content"][0]
    assert answer["is_error"] is True and "quantity" in answer["content"]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("--tools nothere", "no 'nothere' in the notebook"),
        ("--tools not_callable", "not callable"),
        ("--tools needs_connection", "`conn`"),
        ("--mcp nosuch", "no such MCP server"),
        ("--confirm", "need tools"),
        ("--schema Invoice", "add -f json"),
        ("-f json --cite", "--cite"),
        ("-f json --schema not_a_schema", "not a schema"),
    ],
)
def test_bad_tool_input_is_one_line_and_sends_nothing(run, shell, sim, line, fragment):
    shell.user_ns.update(not_callable=5, needs_connection=_needs_connection, not_a_schema=5)
    result, out = run(f"%%claude {line}\nhello\n")
    error = result.error_in_exec
    assert error is not None and fragment in str(getattr(error, "message", error))
    assert sim.requests == []
    assert "Traceback" not in out.stdout


def _needs_connection(conn: sqlite3.Connection) -> int:
    return 1


class Invoice(BaseModel):
    number: str
    total: float


@dataclasses.dataclass
class Row:
    city: str
    people: int


def test_json_schema_binds_the_validated_object(run, shell, sim):
    shell.user_ns["Invoice"] = Invoice
    result, _ = run("%%claude -f json --schema Invoice -o invoice\nExtract the invoice.\n")
    assert result.error_in_exec is None
    assert isinstance(shell.user_ns["invoice"], Invoice)
    sent = sim.requests[-1].body["output_config"]["format"]
    assert sent["type"] == "json_schema" and sent["schema"]["additionalProperties"] is False


def test_a_list_of_dataclass_rows_from_a_named_alias(run, shell, sim):
    shell.user_ns["Rows"] = list[Row]
    result, _ = run("%%claude -f json --schema Rows --as-frame -o rows\nList cities.\n")
    assert result.error_in_exec is None
    frame = shell.user_ns["rows"]
    assert list(frame.columns) == ["city", "people"] and str(frame["people"].dtype) == "Int64"


def test_a_reply_that_does_not_validate_is_one_line_and_the_text_is_kept(run, shell, sim, session):
    shell.user_ns["Invoice"] = Invoice
    sim.queue(ScriptedReply(text='{"number": "A-1"}'))
    result, _ = run("%%claude -f json --schema Invoice -o invoice\nExtract.\n")
    assert "total" in result.error_in_exec.message and "raw text" in result.error_in_exec.message
    assert session.last.text == '{"number": "A-1"}'


def test_json_without_a_schema_parses_the_reply(run, shell, sim):
    sim.queue(ScriptedReply(text='```json\n{"a": [1, 2]}\n```'))
    run("%%claude -f json\nGive JSON.\n")
    assert shell.user_ns["_"] == {"a": [1, 2]}


def test_confirm_without_widgets_asks_on_input(run, sim, tools, monkeypatch):
    questions: list[str] = []
    monkeypatch.setattr(builtins, "input", lambda prompt: questions.append(prompt) or "n")
    result, _ = run("%%claude --tools get_price --confirm -o r\nUse get_price for sku=SKU-12.\n")
    assert result.error_in_exec is None
    assert questions == ['Run get_price({"sku": "SKU-12"})? [y/N] ']
    answer = sim.requests[-1].body["messages"][-1]["content"][0]
    assert answer["is_error"] is True and "denied" in answer["content"]


def test_web_search_rows_citations_and_fee(run, shell, sim):
    result, out = run("%%claude --web-search 2 -o r\nWhat is new in JupyterLab?\n")
    assert result.error_in_exec is None
    reply = shell.user_ns["r"]
    assert sim.requests[-1].body["tools"] == [{"type": "web_search_20250305", "name": "web_search", "max_uses": 2}]
    assert reply.usage.web_search_requests >= 1 and reply.citations
    searches = [call for call in reply.tool_calls if call.source == "server"]
    assert searches and searches[0].name == "web_search" and "web_search" in out.stdout


MCP_SERVER = Path(__file__).parent.parent / "tools" / "mcp_server.py"


@pytest.fixture
def calc(magics, session):
    magics.mcp_servers = {"calc": {"command": sys.executable, "args": [str(MCP_SERVER)]}}
    yield
    if session.mcp_started:
        session.mcp.stop_all()


def test_an_mcp_servers_tools_are_used_from_a_cell_and_reused(run, shell, sim, session, calc):
    result, _ = run("%%claude --mcp calc -o r\nUse add with a=2 and b=3.\n")
    assert result.error_in_exec is None
    call = shell.user_ns["r"].tool_calls[0]
    assert (call.name, call.source, result_text(call.content), call.is_error) == ("add", "mcp:calc", "5", False)
    assert session.mcp.running() == ["calc"]
    _, out = run("%claude mcp")
    assert "calc" in out.stdout
    _, out = run("%claude mcp stop calc")
    assert "stopped MCP server 'calc'" in out.stdout and session.mcp.running() == []


def test_an_mcp_server_that_dies_mid_call_is_one_line_and_the_chat_stays_valid(run, shell, sim, session, calc):
    result, _ = run("%%claude --mcp calc -o r\nUse die now.\n")
    assert result.error_in_exec is None
    call = shell.user_ns["r"].tool_calls[0]
    assert call.is_error and "stopped during the call" in call.content and "\n" not in call.content
    result, _ = run("%%claude --mcp calc -o r\nUse add with a=1 and b=1.\n")  # restarts the server
    assert result.error_in_exec is None and result_text(shell.user_ns["r"].tool_calls[0].content) == "2"


def test_an_mcp_server_that_cannot_start_is_one_line_and_sends_nothing(run, magics, sim):
    magics.mcp_servers = {"broken": {"command": "/nonexistent/server"}}
    result, out = run("%%claude --mcp broken\nhello\n")
    assert "broken" in result.error_in_exec.message and sim.requests == []
    assert "Traceback" not in out.stdout


def test_a_dataframe_result_goes_back_encoded_as_attach_encodes_it(run, shell, sim):
    import pandas as pd

    from claude_magic._attach import encode_frame

    frame = pd.DataFrame({"city": ["Lima", "Oslo"], "people": [10, 1]})
    shell.user_ns["cities"] = lambda: frame
    run("%%claude --tools cities\nUse cities.\n")
    result = sim.requests[-1].body["messages"][-1]["content"][0]
    assert result["content"] == encode_frame("cities", frame)
    assert "Lima" in result["content"] and "people" in result["content"]


def test_thinking_blocks_go_back_unchanged_between_rounds(run, shell, sim):
    shell.user_ns["ping"] = lambda: "pong"
    thinking = {"type": "thinking", "thinking": "I should call ping."}
    use = {"type": "tool_use", "name": "ping", "input": {}}
    sim.queue(ScriptedReply(content=(thinking, use), stop_reason="tool_use"))
    result, _ = run("%%claude --tools ping -o r\nping?\n")
    assert result.error_in_exec is None  # the strict simulator checks the signature it issued
    first_reply = sim.requests[0]
    sent_back = sim.requests[1].body["messages"][-2]["content"]
    assert sent_back[0]["type"] == "thinking" and sent_back[0]["thinking"] == "I should call ping."
    assert sent_back[0]["signature"] and first_reply.body["messages"][-1]["role"] == "user"


def test_a_real_interrupt_lets_the_running_tool_finish_then_stops_the_loop(run, shell, sim, session):
    import os
    import signal

    def slow() -> str:
        os.kill(os.getpid(), signal.SIGINT)  # the user presses interrupt while the tool runs
        return "finished anyway"

    shell.user_ns["slow"] = slow
    result, out = run("%%claude --tools slow\nUse slow.\n")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert "stopping after this tool call" in out.stderr
    assert len(sim.requests) == 1  # the loop stopped: the result was not sent in this cell
    result, _ = run("%claude Did it finish?")
    assert result.error_in_exec is None
    opening = sim.requests[-1].body["messages"][-1]["content"][0]
    assert opening == {"type": "tool_result", "tool_use_id": opening["tool_use_id"], "content": "finished anyway"}


def test_a_second_interrupt_stops_the_running_tool_at_once(run, shell, sim, session):
    import os
    import signal

    def stuck() -> str:
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        return "never reached"

    shell.user_ns["stuck"] = stuck
    result, _ = run("%%claude --tools stuck\nUse stuck.\n")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    run("%claude And now?")
    opening = sim.requests[-1].body["messages"][-1]["content"][0]
    assert opening["is_error"] is True and "interrupted" in opening["content"]


def test_a_confirm_cell_is_awaited_only_while_autoawait_is_on(shell):
    from claude_magic.ipython.transform import await_confirming_cells

    cell = ["get_ipython().run_cell_magic('claude', '--tools f --confirm', 'hi\\n')\n"]
    plain = ["get_ipython().run_cell_magic('claude', '--tools f', 'hi\\n')\n"]
    assert await_confirming_cells(cell)[0].startswith("await ")
    assert await_confirming_cells(plain) == plain
    shell.autoawait = False
    try:
        assert await_confirming_cells(cell) == cell
    finally:
        shell.autoawait = True
