"""Rules learned from replaying real recorded API streams (issue 22).

24: a reply whose code execution waits for a client tool (programmatic tool calling, recorded in
    tests/fixtures/recorded/programmatic_tool_calling.sse) must be answered with tool_results only, its
    pending server tool use kept and its container named; a new prompt leaves that execution out.
25: an API error message keeps its own words whole in the line where they fit the 300-character cap.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import pytest
from IPython.utils.capture import capture_output

from claude_magic import Session
from claude_magic._planning import RequestOptions, follow_up
from claude_magic.core import history as core_history
from claude_magic.core.errors import LINE_CHARS, RequestFailed, describe_api_error
from claude_magic.simulator import ScriptedError
from claude_magic.simulator.code_execution import CONTAINER_REQUIRED
from tests.conftest import TEST_KEY
from tests.recorded.fixtures import RECORDED, serve_recorded

PTC = RECORDED / "programmatic_tool_calling.sse"
CONTAINER = "container_011CWHPPTDTn1XufeRB9uHeH"
SOURCE = "srvtoolu_01MzSrFWsmzBdcoQkGWLyRjK"
ROLL_DIE = {
    "name": "rollDie",
    "description": "Roll a die for a player.",
    "input_schema": {"type": "object", "properties": {"player": {"type": "string"}}},
    "allowed_callers": ["code_execution_20250825"],
}
MODEL = "claude-sonnet-4-5"


def client(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0)


def recorded_session() -> tuple[Session, Any]:
    """A session whose chat holds the recorded reply that waits on `rollDie`, and that round's Prepared."""
    with serve_recorded(PTC) as url:
        session = Session(client=client(url))
        session.configure(model=MODEL)
        prepared = session.prepare("Play the dice game.", RequestOptions(tools=[ROLL_DIE]))
        reply = session.commit(prepared, session.send(prepared))
    return session, (prepared, reply)


# -- 24: the recorded reply, then the next request ---------------------------------------------


def test_the_recorded_reply_keeps_its_container_and_its_pending_execution():
    _, (_, reply) = recorded_session()
    assert reply.stop_reason == "tool_use" and reply.container and reply.container["id"] == CONTAINER
    kept = core_history.sendable_assistant_content(reply.content)
    assert [b["type"] for b in kept] == ["text", "server_tool_use", "tool_use"]


def test_the_tool_loop_answers_with_results_only_and_names_the_container(sim):
    session, (prepared, reply) = recorded_session()
    tool_use = next(b for b in reply.content if b["type"] == "tool_use")
    result = {"type": "tool_result", "tool_use_id": tool_use["id"], "content": "5"}
    session.use_client(client(sim.url))
    following = follow_up(prepared, reply, [result], session.connection.routed)
    answer = session.send(following)
    assert answer.complete and session.usage.records[-1].error is None
    sent = sim.requests[-1].body
    assert sent["container"] == CONTAINER
    assert [b["type"] for b in sent["messages"][-1]["content"]] == ["tool_result"]
    assert SOURCE in [b.get("id") for b in sent["messages"][-2]["content"]]


def test_a_new_prompt_after_the_pending_execution_passes_the_strict_simulator(sim):
    session, _ = recorded_session()
    before = session.transcript.chat().messages()
    session.use_client(client(sim.url))
    second = session.ask("Who won?", model=MODEL)
    assert second.complete and session.usage.records[-1].error is None
    sent = sim.requests[-1].body["messages"]
    assert sent[-1]["content"] == [{"type": "text", "text": "Who won?"}]
    assert not [b for m in sent for b in m["content"] if b["type"] in ("tool_use", "tool_result", "server_tool_use")]
    assert session.transcript.chat().messages()[: len(before)] == before  # the paid reply is still on the chat


def test_the_magic_runs_the_recording_then_another_cell(sim, shell, magics):
    tools = f"--param 'tools={json.dumps([ROLL_DIE])}' "
    with serve_recorded(PTC) as url:
        magics.session.use_client(client(url))
        with capture_output() as first:
            shell.run_cell(f"%%claude {tools}\nPlay the dice game.", store_history=False)
    magics.session.use_client(client(sim.url))
    with capture_output() as second:
        result = shell.run_cell(f"%%claude {tools}\nWho won?", store_history=False)
    assert result.success, second.stdout + second.stderr
    assert "Traceback" not in first.stdout + first.stderr + second.stdout + second.stderr
    assert magics.session.usage.rows()[-1]["error"] is None


# -- 24: the simulator's rules, through the real SDK -------------------------------------------


def pending_turns(answer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    uses = [
        {"type": "text", "text": "Rolling."},
        {"type": "server_tool_use", "id": SOURCE, "name": "code_execution", "input": {"code": "await rollDie()"}},
        {
            "type": "tool_use",
            "id": "toolu_01A",
            "name": "rollDie",
            "input": {},
            "caller": {"type": "code_execution_20250825", "tool_id": SOURCE},
        },
    ]
    return [
        {"role": "user", "content": "Roll."},
        {"role": "assistant", "content": uses},
        {"role": "user", "content": answer},
    ]


RESULT = {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "4"}
TOOLS = [{"type": "code_execution_20250825", "name": "code_execution"}, ROLL_DIE]


def create(sim, **body: Any) -> Any:
    return client(sim.url).messages.create(model=MODEL, max_tokens=64, tools=TOOLS, **body)


def test_simulator_takes_a_results_only_answer_naming_the_container(sim):
    assert create(sim, messages=pending_turns([RESULT]), container=CONTAINER).stop_reason


def test_simulator_requires_the_container_while_execution_is_pending(sim):
    with pytest.raises(anthropic.BadRequestError) as caught:
        create(sim, messages=pending_turns([RESULT]))
    assert caught.value.body["error"]["message"] == CONTAINER_REQUIRED


def test_simulator_refuses_a_prompt_beside_the_answer(sim):
    with pytest.raises(anthropic.BadRequestError) as caught:
        create(sim, messages=pending_turns([RESULT, {"type": "text", "text": "And now?"}]), container=CONTAINER)
    assert "only `tool_result`" in caught.value.body["error"]["message"]


def test_simulator_refuses_a_tool_use_whose_execution_was_dropped(sim):
    messages = pending_turns([RESULT])
    messages[1]["content"] = [b for b in messages[1]["content"] if b["type"] != "server_tool_use"]
    with pytest.raises(anthropic.BadRequestError) as caught:
        create(sim, messages=messages, container=CONTAINER)
    assert caught.value.body["error"]["message"] == f"source tool `{SOURCE}` not found for tool use block `toolu_01A`"


# -- 24: hostile shapes of `caller` in a stored reply ----------------------------------------


@pytest.mark.parametrize(
    "caller",
    [None, "code_execution_20250825", [], {"type": 7}, {"type": "code_execution_x"}, {"type": "direct", "tool_id": 1}],
)
def test_a_malformed_caller_never_breaks_the_history(caller):
    content = [
        {"type": "text", "text": "t"},
        {"type": "tool_use", "id": "u", "name": "f", "input": {}, "caller": caller},
    ]
    turns = [{"role": "user", "content": [{"type": "text", "text": "q"}]}, {"role": "assistant", "content": content}]
    kept = core_history.without_unfinished_executions(turns)
    assert kept[0] == turns[0] and kept[-1]["content"][0] == {"type": "text", "text": "t"}


def test_an_unfinished_execution_over_many_turns_is_left_out_whole():
    calls = [
        {
            "type": "tool_use",
            "id": f"u{i}",
            "name": "f",
            "input": {},
            "caller": {"type": "code_execution_20250825", "tool_id": "s"},
        }
        for i in range(500)
    ]
    turns = [{"role": "user", "content": [{"type": "text", "text": "q"}]}]
    turns.append(
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "a"}, {"type": "server_tool_use", "id": "s"}, calls[0]],
        }
    )
    for i in range(1, 500):
        turns.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"u{i - 1}"}]})
        turns.append({"role": "assistant", "content": [calls[i]]})
    answer = {"role": "assistant", "content": [{"type": "text", "text": "a"}]}
    assert core_history.without_unfinished_executions(turns) == [turns[0], answer]


# -- 25: long API messages keep their own words ----------------------------------------------

UNIONS = (
    "Schemas contains too many parameters with union types (41 parameters with type arrays or anyOf). This causes "
    "exponential compilation cost. Reduce the number of nullable or union-typed parameters (limit: 16 parameters "
    "with unions)."
)


def test_a_long_api_message_reaches_the_line_whole(session, sim):
    sim.queue(ScriptedError(status=400, type="invalid_request_error", message=UNIONS))
    with pytest.raises(RequestFailed) as caught:
        session.ask("schema")
    line = caught.value.message
    assert UNIONS in line and len(line) <= LINE_CHARS
    assert caught.value._render_traceback_() == [f"RequestFailed: {line}"]
    assert session.usage.records[-1].error == line and session.transcript.chat().messages() == []


@pytest.mark.parametrize("status", [400, 413, 429, 529])
@pytest.mark.parametrize("size", [150, 230, 260, 279])
def test_our_additions_shorten_before_the_api_words(status, size):
    said = "x" * (size - len("(limit: 24).")) + "(limit: 24)."
    line = describe_api_error(status, said, "req_011CffjcY1wYWAdWZwDY7zPs")
    assert said in line and len(line) <= LINE_CHARS


def test_a_message_too_long_for_the_line_is_cut_and_keeps_the_request_id():
    line = describe_api_error(400, "word " * 5000, "req_1")
    assert len(line) <= LINE_CHARS and "…" in line and line.endswith("(request id req_1).")


def test_a_long_message_in_a_stream_that_stopped_early_keeps_its_end(session, sim):
    from claude_magic.simulator import ScriptedReply

    tail = "(limit: 16 parameters with unions)."
    message = "y" * 168 + " " + tail  # 205 characters: more than the old 200-character cut
    sim.queue(ScriptedReply(text="z" * 80, fail_after_chars=20, error_type="overloaded_error", error_message=message))
    with pytest.raises(RequestFailed) as caught:
        session.ask("go")
    assert tail in caught.value.message and len(caught.value.message) <= LINE_CHARS
