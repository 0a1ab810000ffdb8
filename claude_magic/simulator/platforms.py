"""Cloud platforms' routes to the Messages API (Bedrock, Vertex AI, Foundry): auth shape, limits, error style, framing.

Routes (as the platforms document them and SDK 2.12's platform clients call them):
- Bedrock: `POST /model/{id}/invoke` and `/model/{id}/invoke-with-response-stream`, signed with SigV4
  (`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` and `x-amz-date`);
  streams in AWS event-stream framing, each `chunk` event's `bytes` holding one Messages event as JSON.
- Vertex AI: `POST /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{model}:streamRawPredict`
  (or `:rawPredict`) with `Authorization: Bearer <OAuth token>`; SSE like the Claude API. Token counting is
  `…/models/count-tokens:rawPredict`, with the model in the body.
- Foundry: `POST /anthropic/v1/messages` with an `api-key` / `x-api-key` header (or an Entra ID bearer token).
Bedrock and Vertex take the model from the path and `anthropic_version` in the body. None of the three has
the Files API; Bedrock and Google take base64 images only, at most 5 MB each (ANTHROPIC_API.md §10);
Foundry has no Message Batches (§12).
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .errors import ApiError, error_body, invalid
from .media import all_blocks
from .models_api import find_model
from .sse import dumps
from .validate import API_VERSIONS

PLATFORM_IMAGE_BYTES = 5 * 1024 * 1024  # per image on Bedrock and Google (10 MB on the Claude API)
FOUNDRY_PREFIX = "/anthropic"
COUNT_TOKENS = "/v1/messages/count_tokens"

_BEDROCK = re.compile(r"^/model/(?P<model>[^/]+)/(?P<action>invoke|invoke-with-response-stream)$")
_VERTEX = re.compile(
    r"^/v1/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/publishers/anthropic/models/"
    r"(?P<model>[^/:]+):(?P<action>rawPredict|streamRawPredict)$"
)
# Bedrock ids: an optional inference-profile geography, `anthropic.`, the model, an optional date and version (`-v1:0`);
# Vertex ids: the model and an optional `@date`. A Claude API id alone is not a platform id.
_BEDROCK_ID = re.compile(
    r"^(?:(?:us|eu|apac|global)\.)?anthropic\.(?P<base>claude-[a-z0-9-]+?)(?:-\d{8})?(?:-v\d+(?::\d+)?)?$"
)
_VERTEX_ID = re.compile(r"^(?P<base>claude-[a-z0-9-]+?)(?:@\d{8})?$")
_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=[^/]+/\d{8}/[\w-]+/bedrock/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$"
)


@dataclass(frozen=True)
class PlatformRoute:
    """A request on a platform's route: which platform, the model (from the path when it is there), streaming."""

    platform: str  # "bedrock" | "vertex" | "foundry"
    model: str | None
    stream: bool | None  # None: the body's `stream` decides (Foundry)
    rest: str = ""  # Foundry: the Claude API path after the /anthropic prefix


def match(path: str) -> PlatformRoute | None:
    """The platform route `path` names, or None for the Claude API's own routes."""
    if found := _BEDROCK.match(path):
        return PlatformRoute("bedrock", unquote(found["model"]), found["action"] != "invoke")
    if found := _VERTEX.match(path):
        if (found["model"], found["action"]) == ("count-tokens", "rawPredict"):
            return PlatformRoute("vertex", None, False, COUNT_TOKENS)  # the model stays in the body here
        return PlatformRoute("vertex", unquote(found["model"]), found["action"] == "streamRawPredict")
    if path == FOUNDRY_PREFIX or path.startswith(FOUNDRY_PREFIX + "/"):
        return PlatformRoute("foundry", None, None, path[len(FOUNDRY_PREFIX) :])
    return None


def check_auth(route: PlatformRoute, headers: dict[str, str]) -> None:
    """The platform's credential shape, or its 401/403."""
    authorization = headers.get("authorization", "")
    if route.platform == "bedrock":
        if not (_SIGV4.match(authorization) and re.fullmatch(r"\d{8}T\d{6}Z", headers.get("x-amz-date", ""))):
            raise ApiError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
    elif route.platform == "vertex":
        if not (authorization[:7].lower() == "bearer " and authorization[7:].strip()):
            raise ApiError(
                401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token."
            )
    elif not (headers.get("api-key") or headers.get("x-api-key") or authorization[:7].lower() == "bearer "):
        raise ApiError(401, "401", "Access denied due to invalid subscription key or wrong API endpoint.")


def count_body(route: PlatformRoute, body: dict[str, Any]) -> dict[str, Any]:
    """Vertex's count-tokens body as the Claude API's: `anthropic_version` out; the body's Vertex model id read."""
    if body.pop("anthropic_version", None) not in API_VERSIONS:
        raise invalid("anthropic_version: a valid version is required")
    model = body.get("model")
    return {
        **body,
        "model": platform_model(PlatformRoute(route.platform, model if isinstance(model, str) else None, False)),
    }


def messages_body(route: PlatformRoute, body: dict[str, Any]) -> dict[str, Any]:
    """The body as a Claude API Messages body: the path's model in, the platform's `anthropic_version` out."""
    if route.platform == "foundry":
        return body
    version = body.pop("anthropic_version", None)
    if version not in API_VERSIONS:
        raise invalid(f"anthropic_version: {version!r} is not a valid version")
    if "model" in body:
        raise invalid("model: Extra inputs are not permitted (the model is in the path)")
    if route.platform == "bedrock":
        body.pop("anthropic_beta", None)  # Bedrock takes the betas in the body; the simulator has none to turn on
        if "stream" in body:
            raise invalid("stream: Extra inputs are not permitted (the path chooses streaming)")
    stream = body.pop("stream", route.stream)
    return {"model": platform_model(route), **body, **({"stream": True} if stream else {})}


def platform_model(route: PlatformRoute) -> str:
    """The Claude model a Bedrock or Vertex model id in the path names, or the platform's 400."""
    found = (_BEDROCK_ID if route.platform == "bedrock" else _VERTEX_ID).match(route.model or "")
    if found is None or find_model(found["base"]) is None:
        raise invalid(f"The provided model identifier is invalid: {route.model}")
    return found["base"]


def check_limits(route: PlatformRoute, body: dict[str, Any]) -> None:
    """What the platform refuses: URL and file sources, images over 5 MB (Bedrock, Vertex); files (Foundry)."""
    for block in all_blocks([m for m in body.get("messages") or [] if isinstance(m, dict)]):
        source: dict[str, Any] = block["source"] if isinstance(block.get("source"), dict) else {}
        kind = source.get("type")
        if kind == "file":
            raise invalid(
                f"{block.get('type')}.source: file sources are not supported on {route.platform} (no Files API)"
            )
        if route.platform == "foundry":
            continue
        if kind == "url":
            raise invalid(f"{block.get('type')}.source: only base64 sources are supported on {route.platform}")
        size = _decoded_size(source) if block.get("type") == "image" and kind == "base64" else 0
        if size > PLATFORM_IMAGE_BYTES:
            raise invalid(f"image exceeds 5 MB maximum on {route.platform}: {size} bytes")


def _decoded_size(source: dict[str, Any]) -> int:
    try:
        return len(base64.b64decode(str(source.get("data", "")), validate=True))
    except (binascii.Error, ValueError):
        raise invalid("source.data: invalid base64 data") from None


def error_response(platform: str, err: ApiError, request_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The platform's error body and headers: AWS x-amzn-ErrorType, Google `error.status`, Azure `error.code`."""
    if platform == "bedrock":
        kind = err.type if err.type[:1].isupper() else _AWS_TYPES.get(err.status, "ValidationException")
        return {"message": err.message}, {"x-amzn-ErrorType": kind, "x-amzn-RequestId": request_id}
    if platform == "vertex" and err.type.isupper():
        return {"error": {"code": err.status, "message": err.message, "status": err.type}}, {}
    if platform == "foundry" and err.type.isdigit():
        return {"error": {"code": err.type, "message": err.message}}, {}
    return error_body(err.type, err.message, request_id, err.details), {}


_AWS_TYPES = {
    400: "ValidationException",
    401: "AccessDeniedException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    429: "ThrottlingException",
    529: "ServiceUnavailableException",
}


def event_stream_chunk(data: dict[str, Any]) -> bytes:
    """One Bedrock `chunk` event: `{"bytes": base64(event JSON)}` in AWS event-stream framing."""
    payload = dumps({"bytes": base64.b64encode(dumps(data).encode()).decode()}).encode()
    return event_stream_message(
        {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}, payload
    )


def event_stream_exception(kind: str, message: str) -> bytes:
    """A Bedrock stream `exception` message (e.g. `internalServerException`) carrying `{"message": …}`."""
    headers = {":exception-type": kind, ":content-type": "application/json", ":message-type": "exception"}
    return event_stream_message(headers, dumps({"message": message}).encode())


def event_stream_message(headers: dict[str, str], payload: bytes) -> bytes:
    """AWS event-stream framing: prelude (total length, headers length, CRC32), headers, payload, message CRC32.

    Each header is name length (1 byte), name, value type (7 = string), value length (2 bytes), value.
    """
    encoded = b"".join(_header(name, value) for name, value in headers.items())
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return struct.pack(">B", len(raw_name)) + raw_name + struct.pack(">BH", 7, len(raw_value)) + raw_value
