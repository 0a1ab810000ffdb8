"""Events a reply stream produces for displays; each carries the new chunk and the state so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Started:
    """The API accepted the request and the reply began."""

    model: str
    message_id: str
    input_tokens: int


@dataclass(frozen=True)
class ThinkingDelta:
    """More thinking text arrived."""

    chunk: str
    thinking: str


@dataclass(frozen=True)
class ThinkingDone:
    """A thinking block ended; `omitted` when the model sent only a signature."""

    thinking: str
    omitted: bool


@dataclass(frozen=True)
class TextDelta:
    """More reply text arrived; `text` is the whole reply text so far, `block` the text block's index."""

    chunk: str
    text: str
    block: int = 0


@dataclass(frozen=True)
class CitationAdded:
    """A citation attached to text block `block` (counted over text blocks only); `number` counts from 1."""

    citation: dict[str, Any]
    number: int
    block: int = 0


@dataclass(frozen=True)
class Finished:
    """The reply ended normally."""

    stop_reason: str | None
    usage: dict[str, Any] = field(default_factory=dict)


Event = Started | ThinkingDelta | ThinkingDone | TextDelta | CitationAdded | Finished
