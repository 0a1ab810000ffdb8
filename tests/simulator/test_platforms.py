"""Bedrock, Vertex AI and Foundry routes: the SDK's own platform clients against the simulator."""

from __future__ import annotations

import base64
import json
from typing import Any

import anthropic
import pytest
from anthropic import Anthropic, AnthropicBedrock, AnthropicFoundry, AnthropicVertex
from botocore.eventstream import EventStreamBuffer

from claude_magic.simulator import ScriptedReply, Simulator

from .helpers import HELLO, raw_request

BEDROCK_ID = "us.anthropic.claude-sonnet-5-5-v1:0"
VERTEX_ID = "claude-sonnet-5-5@20261001"


def bedrock(sim: Simulator, **auth: Any) -> AnthropicBedrock:
    auth = auth or {"aws_access_key": "AKIAEXAMPLE", "aws_secret_key": "example-secret"}
    return AnthropicBedrock(aws_region="us-east-1", base_url=sim.url, max_retries=0, **auth)


def vertex(sim: Simulator, token: str = "ya29.example") -> AnthropicVertex:
    return AnthropicVertex(
        access_token=token, project_id="proj-1", region="us-east5", base_url=sim.url + "/v1", max_retries=0
    )


def foundry(sim: Simulator) -> AnthropicFoundry:
    return AnthropicFoundry(api_key="foundry-key", base_url=sim.url + "/anthropic/", max_retries=0)


def _stream_text(client: Any, model: str) -> str:
    with client.messages.stream(model=model, max_tokens=200, messages=HELLO) as stream:
        return str(stream.get_final_text())


def test_bedrock_streams_through_the_sdk_decoder(sim: Simulator) -> None:
    sim.queue(ScriptedReply(text="from bedrock"))
    assert _stream_text(bedrock(sim), BEDROCK_ID) == "from bedrock"
    request = sim.requests[-1]
    assert request.path == f"/model/{BEDROCK_ID}/invoke-with-response-stream"
    assert request.body is not None and "model" not in request.body and "stream" not in request.body
    assert request.body["anthropic_version"] and "x-amz-date" in request.headers


def test_bedrock_stream_is_aws_event_stream_framing(sim: Simulator) -> None:
    signed = bedrock(sim)
    sim.queue(ScriptedReply(text="framed"))
    response = signed.messages.with_raw_response.create(model=BEDROCK_ID, max_tokens=50, messages=HELLO, stream=True)
    raw = response.http_response.read()
    assert response.http_response.headers["content-type"] == "application/vnd.amazon.eventstream"
    buffer = EventStreamBuffer()  # botocore checks both CRC32s of every message
    buffer.add_data(raw)
    events = [json.loads(base64.b64decode(json.loads(m.payload)["bytes"])) for m in buffer]
    assert events[0]["type"] == "message_start" and events[-1]["type"] == "message_stop"


def test_bedrock_invoke_without_streaming(sim: Simulator) -> None:
    sim.queue(ScriptedReply(text="whole"))
    message = bedrock(sim).messages.create(model=BEDROCK_ID, max_tokens=50, messages=HELLO)
    assert message.content[-1].type == "text" and message.content[-1].text == "whole"
    assert sim.requests[-1].path.endswith("/invoke")


def test_bedrock_rejects_a_claude_api_model_id(sim: Simulator) -> None:
    with pytest.raises(anthropic.BadRequestError, match="model identifier is invalid"):
        bedrock(sim).messages.create(model="claude-sonnet-5-5", max_tokens=50, messages=HELLO)


def test_bedrock_rejects_a_bearer_token_where_sigv4_is_expected(sim: Simulator) -> None:
    with pytest.raises(anthropic.PermissionDeniedError, match="security token") as caught:
        bedrock(sim, api_key="not-sigv4").messages.create(model=BEDROCK_ID, max_tokens=50, messages=HELLO)
    assert caught.value.response.headers["x-amzn-errortype"] == "UnrecognizedClientException"


def test_vertex_model_in_path_and_version_in_body(sim: Simulator) -> None:
    sim.queue(ScriptedReply(text="from vertex"))
    assert _stream_text(vertex(sim), VERTEX_ID) == "from vertex"
    request = sim.requests[-1]
    assert (
        request.path
        == f"/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/{VERTEX_ID}:streamRawPredict"
    )
    assert request.body is not None and request.body["anthropic_version"] and "model" not in request.body


def test_vertex_counts_tokens_on_its_own_route_with_the_model_in_the_body(sim: Simulator) -> None:
    counted = vertex(sim).messages.count_tokens(model=VERTEX_ID, messages=HELLO)
    request = sim.requests[-1]
    assert request.path == "/v1/projects/proj-1/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict"
    assert request.body is not None and request.body["model"] == VERTEX_ID and request.body["anthropic_version"]
    direct = Anthropic(api_key="sk-test", base_url=sim.url).messages.count_tokens(
        model=VERTEX_ID.partition("@")[0], messages=HELLO
    )
    assert counted.input_tokens == direct.input_tokens > 0


def test_vertex_count_tokens_needs_a_vertex_model_id(sim: Simulator) -> None:
    with pytest.raises(anthropic.BadRequestError, match="model identifier is invalid"):
        vertex(sim).messages.count_tokens(model="gpt-4o", messages=HELLO)


def test_vertex_without_a_token_is_unauthenticated(sim: Simulator) -> None:
    path = f"/v1/projects/p/locations/us-east5/publishers/anthropic/models/{VERTEX_ID}:rawPredict"
    response = raw_request(sim, "POST", path, {"anthropic_version": "2026-10-21", "max_tokens": 5, "messages": HELLO})
    assert response.status == 401 and response.json()["error"]["status"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "source", [{"type": "url", "url": "https://example.com/a.png"}, {"type": "file", "file_id": "file_1"}]
)
def test_vertex_refuses_non_base64_images(sim: Simulator, source: dict[str, str]) -> None:
    content = [{"type": "image", "source": source}, {"type": "text", "text": "what is it?"}]
    with pytest.raises(anthropic.BadRequestError, match="vertex"):
        vertex(sim).messages.create(model=VERTEX_ID, max_tokens=50, messages=[{"role": "user", "content": content}])


def test_bedrock_refuses_images_over_5_mb(sim: Simulator) -> None:
    data = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(5 * 1024 * 1024)).decode()
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
    with pytest.raises(anthropic.BadRequestError, match="5 MB"):
        bedrock(sim).messages.create(model=BEDROCK_ID, max_tokens=50, messages=[{"role": "user", "content": [image]}])


def test_foundry_route_and_api_key_header(sim: Simulator) -> None:
    sim.queue(ScriptedReply(text="from foundry"))
    assert _stream_text(foundry(sim), "claude-sonnet-5-5") == "from foundry"
    request = sim.requests[-1]
    assert request.path == "/anthropic/v1/messages" and request.headers["api-key"] == "<redacted>"


def test_foundry_has_no_batches_and_no_files(sim: Simulator) -> None:
    headers = {"api-key": "k", "content-type": "application/json"}
    assert raw_request(sim, "GET", "/anthropic/v1/messages/batches", None, headers).status == 404
    assert raw_request(sim, "GET", "/anthropic/v1/files", None, headers).status == 404


def test_foundry_without_a_key_is_azure_401(sim: Simulator) -> None:
    response = raw_request(sim, "POST", "/anthropic/v1/messages", {"model": "claude-sonnet-5-5"}, {})
    assert response.status == 401 and response.json()["error"]["code"] == "401"


def test_bedrock_mid_stream_failure_is_an_event_stream_exception(sim: Simulator) -> None:
    sim.queue(ScriptedReply(text="partial text that breaks", fail_after_chars=7, error_message="model crashed"))
    with pytest.raises(anthropic.APIStatusError, match="model crashed"):
        _stream_text(bedrock(sim), BEDROCK_ID)
