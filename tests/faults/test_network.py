"""The network fault matrix: every failure of a call is one short line, one ledger row, an unchanged chat."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anthropic
import pytest

from claude_magic import Session
from claude_magic._edge.network_policy import RetryWaitTooLong
from claude_magic._edge.replay import client_options
from claude_magic.core.errors import (
    LINE_CHARS,
    CallInterrupted,
    ClaudeMagicError,
    RequestFailed,
    RequestTimedOut,
    StreamFailed,
    TranscriptFileError,
)
from claude_magic.simulator import ScriptedError, ScriptedReply
from tests.conftest import TEST_KEY
from tests.faults import wire
from tests.interrupts import interrupt_once_streaming

HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Wi-Fi login</title><style>body{color:red}</style></head>"
    b"<body><h1>Sign in to continue</h1>" + b"<p>Terms &amp; conditions apply.</p>" * 100 + b"</body></html>"
)
THINKING = ScriptedReply(content=({"type": "thinking", "thinking": "ponder " * 30}, {"type": "text", "text": "ok"}))
TOOL = ScriptedReply(
    content=({"type": "tool_use", "name": "lookup", "input": {"query": "q" * 80}},), stop_reason="tool_use"
)
TEXT = ScriptedReply(text="The answer is " + "x" * 200)


def is_event(name: str) -> Callable[[bytes], bool]:
    return lambda frame: wire.event_name(frame) == name


def is_delta(kind: str) -> Callable[[bytes], bool]:
    return lambda frame: wire.delta_type(frame) == kind


@contextmanager
def wired(sim: Any, *faults: wire.Fault, **policy: Any) -> Iterator[tuple[Session, wire.Wire]]:
    """A session whose requests meet `faults` first, then the healthy simulator."""
    with wire.serve(*faults, wire.forward(), upstream=sim.url) as served:
        session = Session(client=anthropic.Anthropic(base_url=served.url, api_key=TEST_KEY, max_retries=0))
        session.connection.configure_network(**policy)
        yield session, served


def fails(session: Session, kind: type[ClaudeMagicError] = RequestFailed, **ask: Any) -> ClaudeMagicError:
    """Ask once, expecting `kind`: one short line, one ledger row, the chat as it was; then the next ask works."""
    before = session.transcript.chat().messages()
    rows = len(session.usage)
    with pytest.raises(kind) as caught:
        session.ask(ask.pop("prompt", "this one fails"), **ask)
    error = caught.value
    lines = error._render_traceback_()
    assert len(lines) == 1 and "\n" not in lines[0] and len(error.message) <= LINE_CHARS
    assert len(session.usage) == rows + 1 and session.usage.records[-1].error == error.message
    assert session.transcript.chat().messages() == before
    assert session.ask("and this one works").complete
    return error


# -- HTTP statuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (413, "request_too_large"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (529, "overloaded_error"),
    ],
)
def test_each_status_is_one_line_naming_it_and_the_request_id(session, sim, status, kind):
    session.ask("kept")
    sim.queue(ScriptedError(status=status, type=kind, message=f"scripted {kind}"))
    error = fails(session)
    assert f"API error {status}: scripted {kind}" in error.message
    assert error.request_id and error.request_id in error.message


def test_a_50kb_error_message_is_cut_to_one_line_and_kept_whole(session, sim):
    sim.queue(ScriptedError(status=400, type="invalid_request_error", message="word " * 10_000))
    error = fails(session)
    assert error.message.endswith("…") or "…" in error.message
    assert error.request_id in error.message
    assert isinstance(error, RequestFailed) and error.full_message.count("word") == 10_000


def test_an_html_error_page_is_reduced_to_its_text(sim):
    with wired(sim, wire.raw(502, "text/html", HTML_PAGE)) as (session, _):
        error = fails(session)
    assert "API error 502" in error.message and "Sign in to continue" in error.message
    assert "<" not in error.message and "color:red" not in error.message and "&amp;" not in error.message


# -- 200s that are not a reply ------------------------------------------------------------


def test_a_200_html_page_names_the_proxy_and_keeps_the_page(sim):
    with wired(sim, wire.raw(200, "text/html; charset=utf-8", HTML_PAGE)) as (session, _):
        error = fails(session)
    assert "text/html" in error.message and "Sign in to continue" in error.message and "<" not in error.message
    assert isinstance(error, RequestFailed) and b"Terms" in error.full_message.encode()


def test_a_200_json_error_is_the_apis_message(sim):
    body = b'{"type":"error","error":{"type":"api_error","message":"upstream gave up"}}'
    with wired(sim, wire.raw(200, "application/json", body)) as (session, _):
        error = fails(session)
    assert "API error: upstream gave up (request id req_wire_0001)" in error.message


def test_eof_before_any_event(sim):
    with wired(sim, wire.stream_then([], reset=False)) as (session, _):
        error = fails(session)
    assert "ended before the reply began" in error.message


def test_a_malformed_sse_line(sim):
    with wired(sim, wire.stream_then([b"event: message_start\ndata: {not json\n\n"], reset=False)) as (session, _):
        error = fails(session)
    assert "malformed event" in error.message


# -- drops at every phase -----------------------------------------------------------------

PHASES = {
    "after message_start": (TEXT, is_event("message_start"), RequestFailed),
    "inside thinking": (THINKING, is_delta("thinking_delta"), StreamFailed),
    "inside text": (TEXT, is_delta("text_delta"), StreamFailed),
    "inside tool JSON": (TOOL, is_delta("input_json_delta"), RequestFailed),
    "after message_delta": (TEXT, is_event("message_delta"), StreamFailed),
}


@pytest.mark.parametrize("reset", [False, True], ids=["clean close", "reset"])
@pytest.mark.parametrize("phase", list(PHASES))
def test_a_drop_at_every_phase_keeps_nothing(sim, phase, reset):
    script, where, kind = PHASES[phase]
    with wired(sim, wire.forward(), wire.cut_stream(where, reset=reset)) as (session, _):
        session.ask("kept")
        sim.queue(script)
        error = fails(session, kind)
    assert error.partial is not None and not error.partial.complete
    if not reset:
        assert "no message_stop" in error.message


def test_a_drop_before_the_headers(sim):
    with wired(sim, wire.stall(0)) as (session, _):
        error = fails(session)
    assert "Could not reach the API" in error.message


def test_connection_refused_is_retried_and_announced():
    session = Session(client=anthropic.Anthropic(base_url=wire.refused_url(), api_key=TEST_KEY))
    session.connection.configure_network(max_retries=1)
    statuses: list[str] = []
    with pytest.raises(RequestFailed) as caught:
        session.send(session.prepare("hi"), on_status=statuses.append)
    assert "Could not reach the API" in caught.value.message and len(session.usage) == 1
    assert statuses == ["retrying after a connection error, attempt 2 of 2"]


# -- timeouts and retries -----------------------------------------------------------------


def test_a_stall_before_the_headers_times_out_once_and_says_which_setting(sim):
    with wired(sim, wire.stall(3), timeout=0.3, max_retries=2) as (session, served):
        started = time.monotonic()
        error = fails(session, RequestTimedOut)
        assert time.monotonic() - started < 2.5
        assert len(served.requests) == 2  # the stalled one (not retried) and the next ask
    assert "within 0.3 s" in error.message and "%config ClaudeMagics.timeout = 120" in error.message


def test_retry_on_timeout_tries_once_more_without_a_read_limit(sim):
    with wired(sim, wire.stall(1), timeout=0.3, retry_on_timeout=True) as (session, served):
        statuses: list[str] = []
        reply = session.send(session.prepare("hi"), on_status=statuses.append)
        assert reply.complete and len(served.requests) == 2
    assert statuses == ["no answer in 0.3 s; one more attempt with no read limit"]


def test_a_stall_mid_stream_times_out_with_the_partial_kept(sim):
    sim.queue(TEXT)
    with wired(sim, wire.cut_stream(is_delta("text_delta"), reset=True, pause_s=3), timeout=0.3) as (session, _):
        started = time.monotonic()
        error = fails(session, StreamFailed)
        assert time.monotonic() - started < 2.5
    assert "No next piece of the reply from the API within 0.3 s" in error.message
    assert error.partial is not None and error.partial.text


def test_retries_are_announced(make_client, sim):
    session = Session(client=make_client(max_retries=2))
    sim.queue(ScriptedError(status=529, repeat=2))
    statuses: list[str] = []
    assert session.send(session.prepare("hi"), on_status=statuses.append).complete
    assert statuses == ["retrying after 529, attempt 2 of 3", "retrying after 529, attempt 3 of 3"]


@pytest.mark.parametrize("header", [{"retry-after": "3600"}, {"retry-after-ms": "3600000"}])
def test_a_retry_after_beyond_the_cap_fails_at_once_saying_when(sim, header):
    body = b'{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}'
    with wired(sim, wire.raw(429, "application/json", body, header), max_retries=2) as (session, served):
        started = time.monotonic()
        error = fails(session, RetryWaitTooLong)
        assert time.monotonic() - started < 2 and len(served.requests) == 2
    assert "API error 429: slow down (request id req_wire_0001)" in error.message
    assert "wait 3600 s" in error.message and "re-run the cell after" in error.message


def test_network_settings_are_checked():
    session = Session()
    for bad in ({"timeout": 0}, {"max_retries": -1}, {"max_retry_wait": -5}):
        with pytest.raises(ClaudeMagicError):
            session.connection.configure_network(**bad)


# -- requests that cannot be sent, and files ----------------------------------------------


def test_param_stream_false_is_refused_before_sending(session, sim):
    error = fails(session, extra_body={"stream": False})
    assert "--param stream" in error.message
    assert len(sim.requests) == 1  # only the ask that works


def test_a_nan_param_is_one_line(session):
    error = fails(session, extra_body={"k": float("nan")})
    assert "ValueError" in error.message and isinstance(error.__cause__, ValueError)


def test_a_lone_surrogate_with_autosave_on_is_one_line(session, tmp_path):
    session.autosave = str(tmp_path / "autosave.jsonl")
    try:
        session.ask("bad \ud800 text")
    except RequestFailed as error:
        assert len(error._render_traceback_()) == 1
    assert len(session.usage) == 1
    assert session.ask("and this one works").complete


@pytest.mark.parametrize("make", [lambda p: p.mkdir(), lambda p: p.write_bytes(b"\xff\xfe\x00 not utf-8\n")])
def test_an_unreadable_recording_is_one_line(sim, tmp_path, make):
    path = tmp_path / "recording.jsonl"
    make(path)
    session = Session()
    session.connection.simulate = True
    session.connection.use_replay(str(path), "replay")
    with pytest.raises(TranscriptFileError) as caught:
        session.ask("hi")
    assert len(caught.value._render_traceback_()) == 1 and str(path) in caught.value.message
    assert len(session.usage) == 1
    session.close()


def test_a_recording_that_cannot_be_saved_keeps_the_paid_reply(sim, tmp_path, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a folder should be")
    session = Session()
    session.connection.simulate = True
    session.connection.use_replay(str(blocker / "recording.jsonl"), "record")
    reply = session.ask("worth keeping")
    session.close()
    assert reply.complete and session.transcript.chat().exchanges[-1].reply.text == reply.text
    warning = [line for line in capsys.readouterr().err.splitlines() if "recording to" in line]
    assert len(warning) == 1 and "kept in the chat" in warning[0]


@pytest.mark.parametrize("where", [is_event("message_start"), is_delta("text_delta")])
def test_a_truncated_reply_is_never_recorded(sim, tmp_path, where):
    path = tmp_path / "recording.jsonl"
    sim.queue(TEXT)
    with wire.serve(wire.cut_stream(where, reset=False), wire.forward(), upstream=sim.url) as served:
        options = client_options(str(path), "record")
        session = Session(client=anthropic.Anthropic(base_url=served.url, api_key=TEST_KEY, max_retries=0, **options))
        with pytest.raises(RequestFailed):
            session.ask("cut short")
        assert not path.exists() or path.read_text() == ""
        session.ask("whole")
    assert len(path.read_text().splitlines()) == 1


# -- the same faults through %%claude in a real IPython shell -----------------------------


def no_traceback(captured: Any) -> None:
    out = captured.stdout + captured.stderr
    assert "Traceback" not in out and 'File "' not in out


@pytest.mark.parametrize(
    "fault",
    [wire.raw(200, "text/html", HTML_PAGE), wire.stream_then([], reset=False), wire.stall(0)],
    ids=["200 html", "eof", "drop before headers"],
)
def test_magic_faults_are_one_line(sim, magics, run, fault):
    with wired(sim, fault) as (session, _):
        magics.session = session
        result, captured = run("%%claude\nhello")
    assert isinstance(result.error_in_exec, RequestFailed)
    no_traceback(captured)
    assert captured.stdout.count("RequestFailed:") == 1 and len(session.usage) == 1


def test_magic_mid_text_drop_keeps_the_partial_on_screen(sim, magics, run):
    sim.queue(TEXT)
    with wired(sim, wire.cut_stream(is_delta("text_delta"), reset=False)) as (session, _):
        magics.session = session
        result, captured = run("%%claude\nhello")
    assert isinstance(result.error_in_exec, StreamFailed)
    no_traceback(captured)
    assert "The answer" in captured.stdout and "[incomplete:" in captured.stdout


def test_magic_interrupt_shows_the_partial_then_stops_run_all(sim, magics, run, session):
    sim.queue(ScriptedReply(text="y" * 400, delay_s=0.05))
    thread = interrupt_once_streaming(sim, after_s=0.6)
    result, captured = run("%%claude\nslow one")
    thread.join()
    assert isinstance(result.error_in_exec, CallInterrupted)  # the kernel aborts the queue on this error
    no_traceback(captured)
    assert "yyyy" in captured.stdout and "incomplete: interrupted" in captured.stdout
    assert captured.stdout.count("KeyboardInterrupt") == 1
    assert session.transcript.chat().exchanges == [] and len(session.usage) == 1


def test_the_panel_settles_and_shows_retries(make_client, sim):
    from claude_magic.ui.panel import ResponsePanel

    session = Session(client=make_client(max_retries=1))
    sim.queue(ScriptedError(status=529, repeat=2))
    panel = ResponsePanel("m", "default", show=lambda widget: None)
    seen: list[str] = []

    def note(status: str) -> None:
        panel.note(status)
        seen.append(panel.widget.header)

    with pytest.raises(RequestFailed) as caught:
        session.send(session.prepare("hi"), panel.consume, note)
    panel.stop(caught.value.partial, caught.value.message)
    assert "retrying after 529, attempt 2 of 2" in seen[0]
    assert panel.status == "failed" and "API error 529" in caught.value.message, "said once, by the error line"
