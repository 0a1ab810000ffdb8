"""Scripted replies, scripted errors and recorded requests: the simulator's test-facing data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
