"""A reply as the ordered list of stream events, as a JSON message, and cut short for failure scripts."""

from __future__ import annotations

from typing import Any

from .replies import Reply
from .usage import delta_usage, final_usage, start_usage

Event = tuple[str, dict[str, Any]]


def message_json(
    reply: Reply, msg_id: str, model: str, inputs: dict[str, Any], diagnostics: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The non-streaming `Message` body: the same content the stream accumulates to."""
    return {
        **_envelope(msg_id, model, diagnostics),
        "content": [block.final for block in reply.blocks],
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "stop_details": reply.stop_details,
        "container": None,
        "usage": final_usage(inputs, reply.output_tokens, reply.thinking_tokens, reply.usage),
    }


def stream_events(
    reply: Reply, msg_id: str, model: str, inputs: dict[str, Any], diagnostics: dict[str, Any] | None = None
) -> list[Event]:
    """message_start, ping, each block's start/deltas/stop, message_delta, message_stop."""
    head = {**_envelope(msg_id, model, diagnostics), "content": [], "stop_reason": None, "stop_sequence": None}
    head.update(stop_details=None, container=None)
    head["usage"] = start_usage(inputs)
    events: list[Event] = [("message_start", {"type": "message_start", "message": head})]
    events.append(("ping", {"type": "ping"}))
    for index, block in enumerate(reply.blocks):
        events.extend(_block_events(index, block.start, block.deltas))
    events.append(("message_delta", _message_delta(reply, inputs)))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def cut_after_chars(events: list[Event], limit: int) -> list[Event]:
    """The events until `limit` text characters have streamed (splitting a delta if needed).

    A limit beyond the text cuts just before `message_delta`, so the stream never completes.
    """
    kept: list[Event] = []
    sent = 0
    for name, data in events:
        text = delta_text(data)
        if name == "message_delta" or (text is not None and sent >= limit):
            return kept
        if text is not None and sent + len(text) >= limit:
            return [*kept, (name, _with_text(data, text[: limit - sent]))]
        kept.append((name, data))
        sent += len(text or "")
    return kept


def delta_text(data: dict[str, Any]) -> str | None:
    """The text of a `text_delta` event, else None."""
    delta = data.get("delta") if data.get("type") == "content_block_delta" else None
    if isinstance(delta, dict) and delta.get("type") == "text_delta":
        return str(delta["text"])
    return None


def _with_text(data: dict[str, Any], text: str) -> dict[str, Any]:
    return {**data, "delta": {"type": "text_delta", "text": text}}


def _envelope(msg_id: str, model: str, diagnostics: dict[str, Any] | None = None) -> dict[str, Any]:
    envelope = {"id": msg_id, "type": "message", "role": "assistant", "model": model}
    return envelope if diagnostics is None else {**envelope, "diagnostics": diagnostics}


def _block_events(index: int, start: dict[str, Any], deltas: tuple[dict[str, Any], ...]) -> list[Event]:
    opening = {"type": "content_block_start", "index": index, "content_block": start}
    events: list[Event] = [("content_block_start", opening)]
    for delta in deltas:
        events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return events


def _message_delta(reply: Reply, inputs: dict[str, Any]) -> dict[str, Any]:
    delta = {"stop_reason": reply.stop_reason, "stop_sequence": None, "stop_details": reply.stop_details}
    usage = delta_usage(inputs, reply.output_tokens, reply.thinking_tokens, reply.usage)
    return {"type": "message_delta", "delta": delta, "usage": usage}
