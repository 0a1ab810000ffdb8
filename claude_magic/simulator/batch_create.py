"""The checks on a `POST /v1/messages/batches` body, and the batch's requests it yields.

The envelope is checked at once (a 400 for the whole batch): 1 to 100,000 requests, each with a
unique `custom_id` matching the pattern and a `params` object that neither streams, nor asks for
`max_tokens: 0`, nor fast mode. Each `params` is then checked like a Messages request, but an
invalid one does not fail the batch: that request ends `errored`, as the API validates params
asynchronously.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .batches import Item, scripted_error
from .errors import ApiError, invalid
from .script import BatchOutcome
from .validate import validate_create

MAX_REQUESTS = 100_000
MAX_BATCH_BYTES = 256 * 1024 * 1024  # a whole batch create body
CUSTOM_ID_PATTERN = "^[a-zA-Z0-9_-]{1,64}$"
_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN)


def check_batch_size(length: int) -> None:
    """Reject batch bodies over 256 MB with a 413."""
    if length > MAX_BATCH_BYTES:
        raise ApiError(413, "request_too_large", "Request exceeds the maximum allowed number of bytes.")


def batch_items(body: dict[str, Any], outcomes: Mapping[str, BatchOutcome]) -> list[Item]:
    """The batch's requests, each with its scripted outcome; a 400 if the envelope is invalid."""
    requests = _requests(body)
    for i, request in enumerate(requests):
        _check_request(i, request)
    _check_unique([r["custom_id"] for r in requests])
    return [_item(r["custom_id"], r["params"], outcomes.get(r["custom_id"])) for r in requests]


def _requests(body: dict[str, Any]) -> list[Any]:
    if "requests" not in body:
        raise invalid("requests: Field required")
    requests = body["requests"]
    if not isinstance(requests, list):
        raise invalid("requests: Input should be a valid list")
    if not requests:
        raise invalid("requests: List should have at least 1 item after validation, not 0")
    if len(requests) > MAX_REQUESTS:
        raise invalid(f"requests: List should have at most {MAX_REQUESTS} items after validation, not {len(requests)}")
    return requests


def _check_request(i: int, request: Any) -> None:
    if not isinstance(request, dict):
        raise invalid(f"requests.{i}: Input should be a valid dictionary")
    for name in ("custom_id", "params"):
        if name not in request:
            raise invalid(f"requests.{i}.{name}: Field required")
    custom_id, params = request["custom_id"], request["params"]
    if not isinstance(custom_id, str) or not _CUSTOM_ID.match(custom_id):
        raise invalid(f"requests.{i}.custom_id: String should match pattern '{CUSTOM_ID_PATTERN}'")
    if not isinstance(params, dict):
        raise invalid(f"requests.{i}.params: Input should be a valid dictionary")
    _check_params(f"requests.{i}.params", params)


def _check_params(where: str, params: dict[str, Any]) -> None:
    """What a batch refuses outright: streaming, cache pre-warming and fast mode."""
    if params.get("stream") not in (None, False):
        raise invalid(f"{where}.stream: Input should be False (streaming is not supported in Message Batches)")
    if params.get("max_tokens") == 0 and not isinstance(params.get("max_tokens"), bool):
        raise invalid(f"{where}.max_tokens: max_tokens: 0 (cache pre-warming) is not supported in Message Batches")
    if params.get("speed") == "fast":
        raise invalid(f"{where}.speed: fast mode is not supported in Message Batches")


def _check_unique(custom_ids: list[str]) -> None:
    seen: set[str] = set()
    for custom_id in custom_ids:
        if custom_id in seen:
            raise invalid(f"requests: custom_id must be unique within a batch; {custom_id!r} appears more than once")
        seen.add(custom_id)


def _item(custom_id: str, params: dict[str, Any], outcome: BatchOutcome | None) -> Item:
    """A request whose params are validated now; invalid params make it end errored."""
    try:
        info = validate_create(params)
    except ApiError as err:
        return Item(custom_id, params, None, err, outcome if outcome == "expired" else None)
    return Item(custom_id, params, info, scripted_error(outcome), outcome)
