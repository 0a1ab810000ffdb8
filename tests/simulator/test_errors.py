"""Auth, validation and scripted failures, as the real SDK sees them."""

from __future__ import annotations

import anthropic
import pytest

from claude_magic.core.errors import LINE_CHARS, StreamFailed
from claude_magic.simulator import ScriptedError, ScriptedReply

from .helpers import HELLO, MODEL, body_of, post_messages, raw_request

ENABLED_MESSAGE = (
    '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" '
    'and "output_config.effort" to control thinking behavior.'
)
PREFILL_MESSAGE = (
    "This model does not support assistant message prefill. The conversation must end with a user message."
)


def create(client: anthropic.Anthropic, **kwargs):
    return client.messages.create(**{"model": MODEL, "max_tokens": 256, "messages": HELLO, **kwargs})


# --- auth and version ------------------------------------------------------------------------


def test_bearer_auth_is_what_the_sdk_sends(client, sim):
    create(client)
    assert sim.requests[0].headers["authorization"] == "<redacted>"
    assert "x-api-key" not in sim.requests[0].headers


def test_x_api_key_is_accepted(sim):
    response = post_messages(sim, body_of(), **{"x-api-key": "sk-legacy"})
    assert response.status == 200
    assert sim.requests[0].headers["x-api-key"] == "<redacted>"


@pytest.mark.parametrize(
    "headers", [{}, {"authorization": "Bearer "}, {"authorization": "Basic abc"}, {"x-api-key": ""}]
)
def test_missing_or_empty_credentials_are_401(sim, headers):
    response = post_messages(sim, body_of(), **(headers or {"anthropic-version": "2026-10-21"}))
    assert response.status == 401
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["type"] == "error" and data["error"]["type"] == "authentication_error"
    assert data["request_id"] == response.headers["request-id"]


def test_sdk_raises_authentication_error_without_a_key(sim):
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as info:
        create(client, extra_headers={"Authorization": anthropic.Omit()})
    assert info.value.status_code == 401 and info.value.request_id == "req_sim_00000001"


@pytest.mark.parametrize(("version", "status"), [("2023-06-01", 200), ("2026-10-21", 200), ("2024-01-01", 400)])
def test_anthropic_version(sim, version, status):
    response = post_messages(sim, body_of(), authorization="Bearer k", **{"anthropic-version": version})
    assert response.status == status


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["temperature", "top_p", "top_k"])
def test_removed_sampling_params_via_extra_body(client, name):
    with pytest.raises(anthropic.BadRequestError) as info:
        create(client, extra_body={name: 1})
    assert info.value.api_message == f"{name}: Extra inputs are not permitted"
    assert info.value.type == "invalid_request_error"


@pytest.mark.parametrize("name", ["temperature", "top_p", "top_k"])
def test_removed_sampling_params_via_raw_http(sim, name):
    response = post_messages(sim, body_of(**{name: 1.0}))
    assert response.status == 400
    assert response.json()["error"]["message"] == f"{name}: Extra inputs are not permitted"


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        ({"max_tokens": 5, "messages": HELLO}, 400, "model: Field required"),
        ({"model": MODEL, "messages": HELLO}, 400, "max_tokens: Field required"),
        ({"model": MODEL, "max_tokens": 5}, 400, "messages: Field required"),
        (body_of(max_tokens=-1), 400, "max_tokens"),
        (body_of(max_tokens="10"), 400, "max_tokens"),
        (body_of(messages=[]), 400, "messages"),
        (body_of(model="gpt-4o"), 404, "model: gpt-4o"),
        (body_of(thinking={"type": "enabled", "budget_tokens": 512}, model="claude-opus-4-6"), 400, "1024"),
        (body_of(thinking={"type": "enabled", "budget_tokens": 2048}, model="claude-opus-4-6"), 400, "max_tokens"),
        (
            body_of(thinking={"type": "adaptive"}, model="claude-haiku-4-5"),
            400,
            "adaptive thinking is not supported on this model",
        ),
        (body_of(thinking={"type": "disabled"}, model="claude-fable-5-2"), 400, "thinking.type.disabled"),
        (body_of(thinking={"type": "sometimes"}), 400, "thinking.type"),
        (body_of(output_config={"effort": "extreme"}), 400, "output_config.effort"),
        (body_of(max_tokens=128_001), 400, "maximum allowed number of output tokens"),
        (body_of(model="claude-haiku-4-5", max_tokens=64_001), 400, "64000"),
        (body_of(stream=True, max_tokens=0), 400, "stream"),
    ],
)
def test_invalid_requests(sim, body, status, fragment):
    response = post_messages(sim, body)
    assert response.status == status
    assert fragment in response.json()["error"]["message"]
    assert response.json()["error"]["type"] == ("not_found_error" if status == 404 else "invalid_request_error")


def test_body_over_32_mb_is_413(sim):
    response = post_messages(sim, b"x" * (32 * 1024 * 1024 + 1))
    assert response.status == 413
    assert response.json()["error"]["type"] == "request_too_large"


def test_thinking_enabled_on_sonnet_5_5_is_rejected_with_the_exact_message(client):
    with pytest.raises(anthropic.BadRequestError) as info:
        create(client, model="claude-sonnet-5-5", max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 2048})
    assert info.value.api_message == ENABLED_MESSAGE
    assert info.value.request_id == "req_sim_00000001"


def test_prefill_is_rejected(client):
    messages = [*HELLO, {"role": "assistant", "content": "Sure, here"}]
    with pytest.raises(anthropic.BadRequestError) as info:
        create(client, messages=messages)
    assert info.value.api_message == PREFILL_MESSAGE


def test_document_in_assistant_message_is_rejected(sim):
    document = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}
    messages = [*HELLO, {"role": "assistant", "content": [document]}, {"role": "user", "content": "go on"}]
    response = post_messages(sim, body_of(messages=messages))
    assert response.status == 400
    assert response.json()["error"]["message"].startswith("messages.1.content.0: document blocks")


def test_citations_in_user_text_blocks_are_rejected(sim):
    cited = {"type": "text", "text": "echo", "citations": [{"type": "char_location", "cited_text": "x"}]}
    search = {"type": "search_result", "source": "s", "title": "t", "content": [cited]}
    for block in (cited, search):
        response = post_messages(sim, body_of(messages=[{"role": "user", "content": [block]}]))
        assert response.status == 400 and "citations" in response.json()["error"]["message"]
    plain = {"type": "text", "text": "fine", "citations": []}
    assert post_messages(sim, body_of(messages=[{"role": "user", "content": [plain]}])).status == 200


def test_unlisted_claude_model_is_served_as_a_preview(client):
    message = create(client, model="claude-nova-9", max_tokens=1024)
    assert message.model == "claude-nova-9"
    assert "- model: `claude-nova-9`" in message.content[-1].text


def test_unknown_path_is_404_json(sim):
    response = raw_request(sim, "GET", "/v1/nothing", headers={"authorization": "Bearer k"})
    assert response.status == 404
    assert response.json()["error"]["type"] == "not_found_error"
    assert response.headers["request-id"] == response.json()["request_id"]


# --- scripted HTTP errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_type", "exception"),
    [
        (400, "invalid_request_error", anthropic.BadRequestError),
        (401, "authentication_error", anthropic.AuthenticationError),
        (403, "permission_error", anthropic.PermissionDeniedError),
        (404, "not_found_error", anthropic.NotFoundError),
        (413, "request_too_large", anthropic.ContentTooLargeError),
        (429, "rate_limit_error", anthropic.RateLimitError),
        (500, "api_error", anthropic.InternalServerError),
        (529, "overloaded_error", anthropic.OverloadedError),
    ],
)
def test_scripted_errors_map_to_sdk_exceptions(client, sim, status, error_type, exception):
    sim.queue(ScriptedError(status=status, type=error_type, message=f"scripted {status}"))
    with pytest.raises(exception) as info:
        create(client)
    err = info.value
    assert type(err) is exception
    assert (err.status_code, err.type, err.api_message) == (status, error_type, f"scripted {status}")
    assert err.request_id == "req_sim_00000001"
    assert err.response.headers["retry-after-ms"] == "10"


def test_scripted_error_on_a_stream_raises_before_any_event(client, sim):
    sim.queue(ScriptedError(status=429, type="rate_limit_error", message="slow down"))
    with pytest.raises(anthropic.RateLimitError), client.messages.stream(model=MODEL, max_tokens=64, messages=HELLO):
        pass


def test_529_is_retried_by_the_sdk(sim):
    """The SDK's own retries, told apart by the retry-count header it sends (checked on anthropic 2.12.0 and 2.17.0)."""
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=2)
    sim.queue(ScriptedError(repeat=3))
    with pytest.raises(anthropic.OverloadedError):
        create(client)
    assert len(sim.requests) == 3
    assert [r.headers["x-stainless-retry-count"] for r in sim.requests] == ["0", "1", "2"]


def test_retry_then_success(sim):
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=2)
    sim.queue(ScriptedError(repeat=2))
    sim.queue(ScriptedReply(text="third time lucky"))
    assert create(client).content[0].text == "third time lucky"
    assert len(sim.requests) == 3


def test_should_retry_false_stops_sdk_retries(sim):
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=2)
    sim.queue(ScriptedError(should_retry=False, repeat=3))
    with pytest.raises(anthropic.OverloadedError) as info:
        create(client)
    assert len(sim.requests) == 1
    assert info.value.response.headers["x-should-retry"] == "false"


# --- failures in the middle of a stream ----------------------------------------------------------


def test_fail_after_chars_raises_api_status_error_with_status_200(client, sim):
    """The SDK raises an in-stream `event: error` as APIStatusError with status 200, which _call relies on to leave
    the meaningless status out of the cell's line (checked on anthropic 2.12.0 and 2.17.0)."""
    sim.queue(ScriptedReply(text="abcdefghij" * 10, fail_after_chars=25, chunk_chars=10))
    received: list[str] = []
    with (
        pytest.raises(anthropic.APIStatusError) as info,
        client.messages.stream(model=MODEL, max_tokens=1024, messages=HELLO) as stream,
    ):
        received.extend(stream.text_stream)
    err = info.value
    assert type(err) is anthropic.APIStatusError  # chosen by HTTP status (200), not error.type
    assert err.status_code == 200
    assert err.body["error"] == {"type": "overloaded_error", "message": "Overloaded", "details": None}
    assert "".join(received) == ("abcdefghij" * 3)[:25]


def test_fail_after_chars_is_not_retried(sim):
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=2)
    sim.queue(ScriptedReply(text="hello world", fail_after_chars=5, error_type="api_error", error_message="boom"))
    with (
        pytest.raises(anthropic.APIStatusError) as info,
        client.messages.stream(model=MODEL, max_tokens=64, messages=HELLO) as stream,
    ):
        stream.until_done()
    assert info.value.body["error"]["message"] == "boom"
    assert len(sim.requests) == 1


def test_drop_after_chars_cuts_the_stream_mid_reply(session, sim):
    """The simulator cuts the connection after 42 characters: the cell fails in one line that says so, the
    partial text is the first 42 characters, the chat is unchanged, the ledger has the call; the server lives on.
    Which exception the SDK raises for the cut is its own affair (it changed between anthropic 2.12 and 2.17)."""
    sim.queue(ScriptedReply(text="0123456789" * 10, drop_after_chars=42, chunk_chars=10))
    with pytest.raises(StreamFailed) as caught:
        session.ask("cut me off")
    (line,) = caught.value._render_traceback_()
    assert "\n" not in line and len(line) <= LINE_CHARS
    assert "stopped early" in line and "connection to the API broke" in line and "re-run the cell" in line
    assert caught.value.partial.text == ("0123456789" * 5)[:42]
    assert session.transcript.chat().exchanges == []
    assert session.usage.records[-1].error == caught.value.message
    assert session.ask("again").complete  # the server is still healthy


def test_drop_after_chars_on_non_streaming_call_returns_the_whole_message(client, sim):
    sim.queue(ScriptedReply(text="complete", drop_after_chars=2))
    assert create(client).content[0].text == "complete"
