"""Issue 22, defects 3-6: a tool round whose results or input the API cannot take must not poison the chat.

Real functions become tools through `function_tool` (the conversion a `--tools` cell uses), MCP results come
from a real stdio MCP server (tests/tools/results_server.py), and every request goes through the real SDK to
the strict simulator. Each case checks what the project promises at its boundary: a failure is one line, the
chat stays sendable (the next cell in it works), results are capped with a note of both sizes, a bad input is an
`is_error` result, and every call made is a ledger row.
"""

from __future__ import annotations

import base64
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_magic._planning import RequestOptions
from claude_magic._tool_loop import Loop, ToolSet, run_blocking
from claude_magic.core.errors import ClaudeMagicError, RequestFailed
from claude_magic.simulator import ScriptedError, ScriptedReply
from claude_magic.tools.functions import function_tool
from claude_magic.tools.mcp import McpServerConfig, McpServers
from tests.media import png

MB = 1024 * 1024
KEPT = "kept the first 100,000 of"
RESULTS_SERVER = Path(__file__).parents[1] / "tools" / "results_server.py"


def use(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "tool_use", "name": name, "input": arguments}


def asks(*uses: dict[str, Any]) -> ScriptedReply:
    return ScriptedReply(content=({"type": "text", "text": "Let me look."}, *uses), stop_reason="tool_use")


def loop(session: Any, tools: dict[str, Any], prompt: str = "Go.", **ask: Any) -> Any:
    prepared = session.prepare(prompt, RequestOptions.of(tools=ToolSet(tools).definitions(), **ask))
    return run_blocking(Loop(session, ToolSet(tools), lambda event: None).run(prepared))


def sent_results(sim: Any, request: int = -1) -> list[dict[str, Any]]:
    """The tool_result blocks that open the last user message of one request the simulator received."""
    return [b for b in sim.requests[request].body["messages"][-1]["content"] if b.get("type") == "tool_result"]


def text_of(result: dict[str, Any]) -> str:
    content = result["content"]
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


def next_cell_works(session: Any, sim: Any) -> None:
    """The chat is sendable: a plain next turn in it reaches the simulator and joins the chat."""
    before = len(session.transcript.chat().exchanges)
    sim.queue(ScriptedReply(text="Carrying on."))
    assert session.ask("And next?").text == "Carrying on."
    assert len(session.transcript.chat().exchanges) == before + 1


def one_line(error: ClaudeMagicError, *parts: str) -> None:
    assert "\n" not in error.message and len(error.message) <= 300, error.message
    assert error._render_traceback_() == [f"{type(error).__name__}: {error.message}"]
    for part in parts:
        assert part in error.message, error.message


def tool(name: str, func: Any) -> dict[str, Any]:
    func.__name__ = name
    return {name: function_tool(name, func)}


# -- 3: text results of every kind are capped, with a note of both sizes -------------------------------------------


@pytest.mark.parametrize("size", [10 * MB, 40 * MB])
def test_a_huge_string_result_is_capped_and_the_chat_goes_on(session, sim, size):
    def read_log() -> str:
        return "x" * size

    sim.queue(asks(use("read_log")))
    sim.queue(ScriptedReply(text="It is long."))
    reply = loop(session, tool("read_log", read_log))
    [result] = sent_results(sim)
    text = text_of(result)
    assert len(text) < 100_100 and text.startswith("x" * 1000)
    assert f"{KEPT} {size:,} characters" in text
    assert reply.complete and len(session.usage) == 2
    next_cell_works(session, sim)


def test_huge_text_blocks_are_capped_together(session, sim):
    def pages() -> list[dict[str, Any]]:
        return [{"type": "text", "text": "a" * 80_000}, {"type": "text", "text": "b" * 80_000}]

    sim.queue(asks(use("pages")))
    sim.queue(ScriptedReply(text="Read."))
    loop(session, tool("pages", pages))
    [result] = sent_results(sim)
    assert len(text_of(result)) < 100_100
    assert f"{KEPT} 160,000 characters" in text_of(result)
    next_cell_works(session, sim)


def test_a_huge_mcp_text_result_is_capped(session, sim, results_server):
    sim.queue(asks(use("huge", size=3 * MB)))
    sim.queue(ScriptedReply(text="Long."))
    loop(session, results_server)
    [result] = sent_results(sim)
    assert len(text_of(result)) < 100_100 and f"{KEPT} {3 * MB:,} characters" in text_of(result)
    next_cell_works(session, sim)


# -- 4: values the API or JSON cannot carry --------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_number_in_the_input_is_an_error_result_and_the_chat_stays_sendable(session, sim, bad):
    ran: list[float] = []

    def scale(factor: float) -> float:
        ran.append(factor)
        return factor

    sim.queue(asks(use("scale", factor=bad)))
    sim.queue(ScriptedReply(text="I see."))
    reply = loop(session, tool("scale", scale))
    assert ran == []  # the tool did not run
    [result] = sent_results(sim)
    assert result["is_error"] is True and "input.factor" in text_of(result) and "NaN or infinity" in text_of(result)
    sent_use = sim.requests[-1].body["messages"][-2]["content"][-1]
    assert sent_use["type"] == "tool_use" and sent_use["input"] == {"factor": None}
    assert reply.complete and len(session.usage) == 2
    next_cell_works(session, sim)


def test_a_lone_surrogate_in_a_result_is_replaced(session, sim):
    def read() -> str:
        return "before \ud800 after"

    sim.queue(asks(use("read")))
    sim.queue(ScriptedReply(text="Read."))
    loop(session, tool("read", read))
    assert text_of(sent_results(sim)[0]) == "before \ufffd after"
    next_cell_works(session, sim)


def test_a_lone_surrogate_in_a_tools_error_is_replaced(session, sim):
    def read() -> str:
        raise ValueError("bad byte \udcff here")

    sim.queue(asks(use("read")))
    sim.queue(ScriptedReply(text="Failed."))
    loop(session, tool("read", read))
    [result] = sent_results(sim)
    assert result["is_error"] is True and text_of(result) == "ValueError: bad byte \ufffd here"
    next_cell_works(session, sim)


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ({"type": "base64", "media_type": "image/png", "data": "not base64 at all!"}, "base64 data is invalid"),
        ({"type": "base64", "media_type": "image/png", "data": base64.b64encode(b"GIF89a....").decode()}, "not the"),
        ({"type": "base64", "media_type": "image/bmp", "data": base64.b64encode(png(4, 4)).decode()}, "media type"),
    ],
)
def test_a_function_image_the_api_cannot_take_becomes_a_note(session, sim, source, why):
    def shot() -> list[dict[str, Any]]:
        return [{"type": "text", "text": "The screen:"}, {"type": "image", "source": source}]

    sim.queue(asks(use("shot")))
    sim.queue(ScriptedReply(text="Seen."))
    loop(session, tool("shot", shot))
    [result] = sent_results(sim)
    assert [b["type"] for b in result["content"]] == ["text", "text"]
    assert "image not sent" in result["content"][1]["text"] and why in result["content"][1]["text"]
    assert len(session.usage) == 2
    next_cell_works(session, sim)


def test_a_valid_function_image_still_goes_out(session, sim):
    data = base64.b64encode(png(4, 4)).decode()

    def shot() -> list[dict[str, Any]]:
        return [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}]

    sim.queue(asks(use("shot")))
    sim.queue(ScriptedReply(text="Seen."))
    loop(session, tool("shot", shot))
    assert sent_results(sim)[0]["content"][0]["source"]["data"] == data


def test_an_invalid_mcp_image_becomes_a_note(session, sim, results_server):
    sim.queue(asks(use("broken_image")))
    sim.queue(ScriptedReply(text="Seen."))
    loop(session, results_server)
    [result] = sent_results(sim)
    assert "image not sent: its base64 data is invalid" in text_of(result)
    next_cell_works(session, sim)


# -- 5: a follow-up is checked before it is sent; a failed round says how to go on ---------------------------------


def test_a_follow_up_over_the_image_limit_is_refused_before_sending_and_the_chat_goes_on(session, sim):
    data = base64.b64encode(png(4, 4)).decode()

    def frames() -> list[dict[str, Any]]:
        return [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}] * 101

    sim.queue(asks(use("frames")))
    with pytest.raises(ClaudeMagicError) as failure:
        loop(session, tool("frames", frames), model="claude-haiku-4-5")
    one_line(failure.value, "not sent", "101 images", "%claude undo", "--new")
    assert failure.value.partial is not None and "Let me look." in failure.value.partial.text
    assert len(sim.requests) == 1 and len(session.usage) == 1  # nothing more was sent, so no more rows
    assert len(session.transcript.chat().exchanges) == 1  # the paid round stays
    sim.queue(ScriptedReply(text="Carrying on."))
    session.ask("And next?", model="claude-haiku-4-5")
    [note] = sent_results(sim)
    assert note["is_error"] is True and "not sent" in note["content"]


def test_a_failed_round_line_says_how_to_go_on(session, sim):
    def read() -> str:
        return "fine"

    sim.queue(asks(use("read")))
    sim.queue(ScriptedError(status=400, type="invalid_request_error", message="x" * 400, retry_after_ms=None))
    with pytest.raises(RequestFailed) as failure:
        loop(session, tool("read", read))
    one_line(failure.value, "API error 400", "%claude undo", "--new")
    assert len(session.usage) == 2
    next_cell_works(session, sim)
    assert sent_results(sim)[0]["content"] == "fine"  # the result that ran still answered the round


# -- 6: empty results go out as a placeholder -----------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "   \n", [{"type": "text", "text": ""}], [{"type": "text", "text": " "}]])
def test_an_empty_function_result_goes_out_as_a_placeholder(session, sim, empty):
    def nothing() -> Any:
        return empty

    sim.queue(asks(use("nothing")))
    sim.queue(ScriptedReply(text="Nothing."))
    reply = loop(session, tool("nothing", nothing))
    [result] = sent_results(sim)
    assert text_of(result) == "(the tool returned an empty result)"
    assert reply.complete
    next_cell_works(session, sim)


def test_an_empty_mcp_text_block_goes_out_as_a_placeholder(session, sim, results_server):
    sim.queue(asks(use("empty")))
    sim.queue(ScriptedReply(text="Nothing."))
    loop(session, results_server)
    assert text_of(sent_results(sim)[0]) == "(the tool returned an empty result)"
    next_cell_works(session, sim)


# -- the same through a real IPython cell ----------------------------------------------------------------------------


def test_a_cell_with_a_huge_result_and_the_next_cell_both_work(run, shell, sim):
    shell.user_ns["dump"] = lambda: "y" * (10 * MB)
    try:
        sim.queue(asks(use("dump")))
        sim.queue(ScriptedReply(text="Big."))
        result, _ = run("%%claude --tools dump\nDump it.\n")
        assert result.error_in_exec is None
        assert f"{KEPT} {10 * MB:,} characters" in text_of(sent_results(sim)[0])
        sim.queue(ScriptedReply(text="Next."))
        result, _ = run("%claude And now?")
        assert result.error_in_exec is None
    finally:
        shell.user_ns.pop("dump", None)


def test_a_cell_whose_model_sent_nan_and_the_next_cell_both_work(run, shell, sim):
    shell.user_ns["scale"] = lambda factor: factor
    try:
        sim.queue(asks(use("scale", factor=math.nan)))
        sim.queue(ScriptedReply(text="Understood."))
        result, _ = run("%%claude --tools scale\nScale it.\n")
        assert result.error_in_exec is None
        assert sent_results(sim)[0]["is_error"] is True
        sim.queue(ScriptedReply(text="Next."))
        result, _ = run("%claude And now?")
        assert result.error_in_exec is None
    finally:
        shell.user_ns.pop("scale", None)


@pytest.fixture
def results_server() -> Iterator[dict[str, Any]]:
    servers = McpServers(start_timeout=30, call_timeout=30)
    config = McpServerConfig("results", sys.executable, (str(RESULTS_SERVER),))
    try:
        yield {tool.name: tool for tool in servers.tools(config)}
    finally:
        servers.stop_all()
