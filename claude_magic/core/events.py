"""Events a reply stream produces for displays, and the protocol every display implements.

Each event carries the new chunk and the state so far, so no display re-derives the reply's
structure: text blocks, citation numbers and where their markers go come from `core/stream.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

if TYPE_CHECKING:
    from .tools import ToolCall
    from .transcript import Reply


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
    """More reply text arrived.

    `text` is the whole reply text so far; `marked` is the same with each cited text block
    followed by its footnote markers; `block` counts text blocks from 0.
    """

    chunk: str
    text: str
    block: int = 0
    marked: str = ""


@dataclass(frozen=True)
class CitationAdded:
    """A citation attached to text block `block`; `number` counts from 1; `marked` as in TextDelta."""

    citation: dict[str, Any]
    number: int
    block: int = 0
    marked: str = ""


@dataclass(frozen=True)
class Finished:
    """The reply ended normally."""

    stop_reason: str | None
    usage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolStarted:
    """A tool call begins: the model's function call about to run, or a server tool the API runs."""

    id: str
    name: str
    input: dict[str, Any]
    source: str


@dataclass(frozen=True)
class ToolFinished:
    """A tool call ended (ran, failed, or was denied); `call` has its result."""

    call: ToolCall


Event = Started | ThinkingDelta | ThinkingDone | TextDelta | CitationAdded | Finished | ToolStarted | ToolFinished


class ReplyView(Protocol):
    """A display of one reply: it consumes events, then either finishes or stops."""

    def consume(self, event: Event) -> None:
        """Take one stream event."""

    def note(self, status: str) -> None:
        """Show a passing status at once, e.g. "retrying after 529, attempt 2 of 3"."""

    def estimate(self, cost: str) -> None:
        """Show what the request may cost, priced before it was sent, e.g. "est. $0.12–$0.53 (60,012 tokens in)"."""

    def finish(self, reply: Reply, spend: str | None = None) -> None:
        """Show the complete reply; `spend` is the session's spend and budget line, when a budget is set."""

    def stop(self, partial: Reply | None, reason: str) -> None:
        """Keep what arrived visible; `reason` says why the reply ended early."""

    def carry(self, metadata: dict[str, Any]) -> None:
        """Keep `metadata` (core/provenance.output_metadata) on the settled output; called before finish or stop."""

    def context(self, line: str) -> None:
        """Say in one line, kept on the settled output, what notebook context went with the cell."""


def assert_never(value: NoReturn) -> NoReturn:
    """Mark a branch the type checker proves unreachable (typing.assert_never is 3.11+)."""
    raise AssertionError(f"unhandled value: {value!r}")
