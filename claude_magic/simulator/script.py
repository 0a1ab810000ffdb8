"""Scripted replies, scripted errors and recorded requests: the simulator's test-facing data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the simulator received it (credentials redacted)."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    raw_body: bytes


@dataclass(frozen=True)
class ScriptedReply:
    """A reply to serve instead of the default one; `thinking=None` means no thinking block.

    `content`, when given, is the list of blocks to stream in their final API shape (text with
    citations, thinking, redacted_thinking, tool_use, server_tool_use, web_search_tool_result,
    compaction, ...); it replaces `text`, `thinking` and `citations`. What the API fills in may be
    left out: tool ids (`toolu_01…`, `srvtoolu_01…`), thinking signatures, redacted `data`. A
    thinking block with empty text streams as omitted thinking (a signature and no text). `usage`
    adds fields to the reply's usage, e.g. `server_tool_use` or `iterations`.

    A script always wins over the default reply, whatever the request asks for: `text=` is sent
    as is even when `output_config.format` is set (so tests can script invalid JSON), and no
    tool is called unless `content` holds the tool_use blocks.

    The failure and pacing fields (`fail_after_chars`, `drop_after_chars`, `delay_s`) apply to
    streamed replies only; a non-streaming request gets the whole message.
    """

    text: str = "..."
    thinking: str | None = None
    citations: tuple[dict[str, Any], ...] = ()
    stop_reason: str = "end_turn"
    stop_details: dict[str, Any] | None = None
    chunk_chars: int = 12
    fail_after_chars: int | None = None
    drop_after_chars: int | None = None
    error_type: str = "overloaded_error"
    error_message: str = "Overloaded"
    delay_s: float = 0.0
    output_tokens: int | None = None
    content: tuple[dict[str, Any], ...] | None = None
    usage: dict[str, Any] | None = None

    @classmethod
    def refusal(cls, category: str | None = None, explanation: str | None = None) -> ScriptedReply:
        """A refusal as the API sends it: HTTP 200, no content, `stop_reason` "refusal" with `stop_details`."""
        details = {"type": "refusal", "category": category, "explanation": explanation}
        return cls(content=(), stop_reason="refusal", stop_details=details)

    @classmethod
    def pause_turn(cls, query: str, text: str = "Let me search for that.") -> ScriptedReply:
        """A paused server-tool turn: text, then a web_search `server_tool_use` still waiting for its result."""
        search = {"type": "server_tool_use", "name": "web_search", "input": {"query": query}}
        return cls(content=({"type": "text", "text": text}, search), stop_reason="pause_turn")


@dataclass(frozen=True)
class ScriptedError:
    """An HTTP error to serve, `repeat` times in a row, before any validation of the body."""

    status: int = 529
    type: str = "overloaded_error"
    message: str = "Overloaded"
    retry_after_ms: int | None = 10
    should_retry: bool | None = None
    repeat: int = 1


Script = ScriptedReply | ScriptedError

BatchOutcome = ScriptedReply | ScriptedError | Literal["errored", "expired"]


@dataclass(frozen=True)
class BatchScript:
    """How the next created Message Batch plays out, request by request (by `custom_id`).

    `outcomes[custom_id]` is a ScriptedReply (that request succeeds with this message), a
    ScriptedError (it ends `errored` with that error type and message), "errored" (an `api_error`)
    or "expired" (it stays `processing` until the batch ends, then is `expired`). Requests not named
    get the default reply, or `errored` if their params are invalid. `delay_s`, when given, replaces
    the simulator's `batch_delay_s` for this batch.
    """

    outcomes: Mapping[str, BatchOutcome] = field(default_factory=dict)
    delay_s: float | None = None
