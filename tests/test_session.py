"""Session.ask through the real SDK against the simulator on loopback."""

from __future__ import annotations

import pytest

from claude_magic import Session
from claude_magic.core.errors import MissingKeyError, RequestFailed, SettingsError, StreamFailed
from claude_magic.core.events import TextDelta
from claude_magic.simulator import ScriptedError, ScriptedReply


def test_ask_streams_and_returns_a_reply(session, sim):
    events = []
    reply = session.ask("Explain what a p-value is in two sentences.", on_event=events.append)
    assert "Simulated reply" in reply.text
    assert reply.complete and reply.stop_reason == "end_turn"
    assert reply.message_id.startswith("msg_") and reply.request_id.startswith("req_")
    assert reply.model == "claude-sonnet-5-5"
    assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0
    assert reply.cost_usd is not None and reply.cost_usd > 0
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1 and deltas[-1].text == reply.text
    assert session.last is reply
    assert sim.requests[-1].headers["x-stainless-helper-method"] == "stream"  # checked on anthropic 2.12.0 and 2.17.0
    assert sim.requests[-1].body["stream"] is True


def test_next_ask_continues_the_chat_with_exact_history(session, sim):
    first = session.ask("first question")
    session.ask("second question")
    messages = sim.requests[-1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[0]["content"] == [{"type": "text", "text": "first question"}]
    assert messages[1]["content"] == list(first.content)
    assert messages[2]["content"] == [{"type": "text", "text": "second question"}]


def test_chats_are_separate_and_no_history_is_one_shot(session, sim):
    session.ask("in default")
    session.ask("in other", chat="other")
    assert len(sim.requests[-1].body["messages"]) == 1
    session.ask("one shot", history=False)
    assert len(sim.requests[-1].body["messages"]) == 1
    assert len(session.transcript.chat().exchanges) == 1
    session.ask("fresh", new=True)
    assert len(sim.requests[-1].body["messages"]) == 1


def test_overrides_apply_to_one_call_only(session, sim):
    session.ask("hi", model="claude-opus-4-6", thinking=2048, max_tokens=8000, effort="low", system="Be terse.")
    body = sim.requests[-1].body
    assert body["model"] == "claude-opus-4-6" and body["max_tokens"] == 8000
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["output_config"] == {"effort": "low"} and body["system"] == "Be terse."
    session.ask("again")
    assert sim.requests[-1].body["model"] == "claude-sonnet-5-5"


def test_invalid_override_sends_nothing(session, sim):
    with pytest.raises(SettingsError):
        session.ask("hi", thinking=500)
    assert sim.requests == []


def test_scripted_thinking_and_citations_reach_the_reply(session, sim):
    citation = {
        "type": "char_location",
        "cited_text": "The grass is green.",
        "document_index": 0,
        "document_title": "Doc",
        "start_char_index": 0,
        "end_char_index": 19,
    }
    sim.queue(ScriptedReply(text="Grass is green.", thinking="Look at the doc.", citations=(citation,)))
    reply = session.ask("what colour?", show_thinking=True)
    assert reply.thinking == "Look at the doc."
    assert reply.text == "Grass is green."
    assert reply.citations[0]["cited_text"] == "The grass is green."
    assert any(block["type"] == "thinking" and block["signature"] for block in reply.content)


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (400, "invalid_request_error", "messages: bad shape"),
        (401, "authentication_error", "invalid x-api-key"),
        (403, "permission_error", "not allowed"),
        (404, "not_found_error", "model: claude-nope"),
        (413, "request_too_large", "Request exceeds the maximum size"),
        (429, "rate_limit_error", "Number of requests has exceeded your rate limit"),
        (500, "api_error", "Internal server error"),
        (529, "overloaded_error", "Overloaded"),
    ],
)
def test_api_errors_are_one_line_and_leave_the_chat_unchanged(session, sim, status, kind, message):
    session.ask("kept")
    sim.queue(ScriptedError(status=status, type=kind, message=message))
    with pytest.raises(RequestFailed) as caught:
        session.ask("lost")
    line = caught.value._render_traceback_()
    assert len(line) == 1 and "\n" not in line[0]
    assert f"API error {status}: {message}" in line[0]
    assert caught.value.request_id and caught.value.request_id in line[0]
    assert [e.prompt for e in session.transcript.chat().exchanges] == ["kept"]
    assert session.usage.records[-1].error == caught.value.message


def test_retries_are_the_sdks_own(make_client, sim):
    """Told apart by the SDK's retry-count header (checked on anthropic 2.12.0 and 2.17.0)."""
    session = Session(client=make_client(max_retries=2))
    sim.queue(ScriptedError(status=529, repeat=2))
    reply = session.ask("eventually")
    assert reply.complete
    assert [r.headers["x-stainless-retry-count"] for r in sim.requests] == ["0", "1", "2"]


def test_midstream_error_keeps_no_half_turn(session, sim):
    sim.queue(ScriptedReply(text="x" * 300, fail_after_chars=100))
    events = []
    with pytest.raises(StreamFailed) as caught:
        session.ask("will fail", on_event=events.append)
    assert "stopped early" in caught.value.message and "Overloaded" in caught.value.message
    assert "200" not in caught.value.message
    assert session.last is not None and not session.last.complete
    assert 0 < len(session.last.text) <= 300
    assert session.transcript.chat().exchanges == []
    assert session.usage.records[-1].error


def test_dropped_connection_is_one_line(session, sim):
    sim.queue(ScriptedReply(text="y" * 300, drop_after_chars=100))
    with pytest.raises(StreamFailed) as caught:
        session.ask("will drop")
    assert len(caught.value._render_traceback_()) == 1
    assert session.transcript.chat().exchanges == []


def test_missing_key_says_how_to_fix(monkeypatch, tmp_path):
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE", "CLAUDE_MAGIC_SIMULATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("ANTHROPIC_CONFIG_DIR", raising=False)
    with pytest.raises(MissingKeyError) as caught:
        Session().ask("hi")
    assert "%env ANTHROPIC_API_KEY=" in caught.value.message
    assert "%config ClaudeMagics.simulate = True" in caught.value.message


def test_simulate_env_uses_the_in_process_simulator(monkeypatch, capsys):
    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    session = Session()
    try:
        assert "Simulated reply" in session.ask("offline?").text
        assert session.connection.client.base_url.host == "127.0.0.1"
        session.ask("again?")
    finally:
        session.close()
    printed = capsys.readouterr()
    notice = "claude_magic: using the built-in simulator: replies are simulated, no model is called\n"
    assert printed.out.count(notice) == 1, "a notice, once, on stdout"
    assert printed.err == "", "nothing drawn as an error"


def test_unknown_model_warns_once_and_cost_is_unknown(session, capsys):
    first = session.ask("hi", model="claude-experimental-x")
    session.ask("again", model="claude-experimental-x")
    assert first.cost_usd is None and "unknown" in first.summary()
    assert capsys.readouterr().err.count("unknown model 'claude-experimental-x'") == 1


def test_large_max_tokens_streams_without_the_sdk_guard(session, sim):
    reply = session.ask("long", max_tokens=64_000)
    assert reply.complete and sim.requests[-1].body["max_tokens"] == 64_000


def test_api_key_never_leaks(session, sim):
    from tests.conftest import TEST_KEY

    session.ask("ok")
    sim.queue(ScriptedError(status=401, type="authentication_error", message="invalid x-api-key"))
    with pytest.raises(RequestFailed) as caught:
        session.ask("fails")
    seen = [caught.value.message, repr(session.last), str(session.usage.rows()), repr(session.transcript.chats)]
    assert all(TEST_KEY not in text for text in seen)


def test_use_client_switches_every_later_request(session, simulator, sim):
    import anthropic

    from claude_magic.simulator import Simulator

    with Simulator() as other:
        session.use_client(anthropic.Anthropic(base_url=other.url, api_key="sk-other", max_retries=0))
        session.ask("to the other server")
        assert len(other.requests) == 1 and sim.requests == []


def test_reply_renders_itself_as_markdown(session):
    reply = session.ask("hello")
    markdown = reply._repr_markdown_()
    assert "Simulated reply" in markdown and "claude-sonnet-5-5" in markdown
    assert str(reply) == reply.text


def test_reply_markdown_escapes_hostile_html(session, sim):
    sim.queue(ScriptedReply(text='<img src=x onerror="alert(1)"> and <script>alert(2)</script>'))
    markdown = session.ask("attack")._repr_markdown_()
    assert "<img" not in markdown and "<script" not in markdown
