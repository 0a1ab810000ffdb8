"""The results file of an ended batch: one JSON line per request, in request order.

A succeeded request's message is what `POST /v1/messages` (non-streaming) would answer for its
params, or its scripted reply; prompt caching applies within the batch, and usage says
`service_tier: "batch"`.
"""

from __future__ import annotations

from typing import Any

from . import events as ev
from .batches import Batch
from .cache import PromptCache
from .errors import error_body
from .replies import default_reply, scripted_reply, wants_thinking
from .script import ScriptedReply
from .sse import dumps
from .usage import cached_input_usage, usage_meta


def results_jsonl(batch: Batch, now: float) -> bytes:
    """Every request's `MessageBatchIndividualResponse`, one per line."""
    cache = PromptCache()
    lines = [dumps(_line(batch, i, now, cache)) for i in range(len(batch.items))]
    return ("\n".join(lines) + "\n").encode()


def _line(batch: Batch, index: int, now: float, cache: PromptCache) -> dict[str, Any]:
    item = batch.items[index]
    kind = batch.kind(index, now)
    if kind == "errored" and item.error is not None:
        request_id = f"req_sim_{batch.id.rpartition('_')[2]}_{index:06d}"
        result = {"type": "errored", "error": error_body(item.error.type, item.error.message, request_id)}
    elif kind == "succeeded":
        result = {"type": "succeeded", "message": _message(batch, index, cache)}
    else:
        result = {"type": kind}
    return {"custom_id": item.custom_id, "result": result}


def _message(batch: Batch, index: int, cache: PromptCache) -> dict[str, Any]:
    """The non-streaming Message for a succeeded request."""
    item = batch.items[index]
    assert item.info is not None
    body, info = item.params, item.info
    msg_id = f"msg_sim_{batch.id.rpartition('_')[2]}_{index:06d}"
    script = item.outcome if isinstance(item.outcome, ScriptedReply) else None
    reply = scripted_reply(script, msg_id, wants_thinking(body, info)) if script else default_reply(body, info)
    inputs, diagnostics = cached_input_usage(cache, body, info, msg_id)
    inputs = {**inputs, **usage_meta(body), "service_tier": "batch"}
    return ev.message_json(reply, msg_id, body["model"], inputs, diagnostics)
