"""Replies, and append-only named chats of exchanges that rebuild the request history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .usage import Usage, format_cost

if TYPE_CHECKING:
    from .caching import CachePlan
    from .tools import ToolCall

DEFAULT_CHAT = "default"


@dataclass(frozen=True)
class Reply:
    """One assistant reply: its text, thinking, citations, usage and identifiers."""

    text: str
    thinking: str
    citations: tuple[dict[str, Any], ...]
    usage: Usage
    stop_reason: str | None
    model: str
    message_id: str
    request_id: str | None = None
    content: tuple[dict[str, Any], ...] = ()
    cost_usd: float | None = None
    complete: bool = True
    error: str | None = None
    chat: str = DEFAULT_CHAT
    ttft_s: float | None = None
    duration_s: float | None = None
    started_at: float | None = None  # POSIX seconds
    cache_miss_reason: str | None = None
    stop_details: dict[str, Any] | None = None  # a refusal's {type, category, explanation}
    rounds: int = 1  # API calls this reply took (a paused turn is continued, a tool loop goes on, in further calls)
    tool_calls: tuple[ToolCall, ...] = ()  # a tool loop's calls, in order (on the reply a cell returns)
    container: dict[str, Any] | None = None  # the code-execution container {id, expires_at}, when one was used

    @property
    def refused(self) -> bool:
        """True when the model declined to answer; the turn is kept in the transcript but never re-sent."""
        return self.stop_reason == "refusal"

    @property
    def refusal(self) -> str:
        """'category: explanation' of a refusal, as far as the API said; empty otherwise."""
        details = self.stop_details or {}
        parts = [str(details[key]) for key in ("category", "explanation") if details.get(key)]
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        from .render import safe_markdown  # the HTML sanitiser loads when a Reply is first shown

        status = "" if self.complete else f"\n\n*(incomplete: {self.error or 'interrupted'})*"
        return f"{safe_markdown(self.text)}{status}\n\n<small>{safe_markdown(self.summary())}</small>"

    def summary(self) -> str:
        """'claude-sonnet-5-5 · 120 in / 45 out · $0.0007' and the stop reason when unusual."""
        u = self.usage
        parts = [self.model, f"{u.total_input_tokens:,} in / {u.output_tokens:,} out", format_cost(self.cost_usd)]
        if self.stop_reason not in (None, "end_turn"):
            parts.append(f"stopped: {self.stop_reason}")
        return " · ".join(parts)


@dataclass(frozen=True)
class Exchange:
    """A user turn as sent and the complete reply to it."""

    prompt: str
    user_content: tuple[dict[str, Any], ...]
    reply: Reply
    created_at: float
    attachments: tuple[dict[str, Any], ...] = ()

    def turn(self) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...], bool]:
        """(user content, assistant content, refused): what core.history needs of this exchange."""
        return self.user_content, self.reply.content, self.reply.refused


@dataclass
class Chat:
    """A named conversation: the exchanges that completed, in order."""

    name: str
    exchanges: list[Exchange] = field(default_factory=list)
    # Where the last request put its cache breakpoints, and what it sent that the cache is keyed on.
    cache_plan: CachePlan | None = None
    cache_signature: dict[str, Any] | None = None
    # Results of tools that ran after the last reply but were never sent (the loop stopped): the next turn sends them.
    pending_results: tuple[dict[str, Any], ...] = ()
    cache_breaks: tuple[str, ...] = ()  # what the last request changed that the cache is keyed on

    def messages(self, window: int = 0) -> list[dict[str, Any]]:
        """Request history: every exchange, or only the last `window` when window > 0."""
        from .history import history_messages

        chosen = self.exchanges[-window:] if window > 0 else self.exchanges
        return history_messages(exchange.turn() for exchange in chosen)

    def append(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    @property
    def last_message_id(self) -> str | None:
        """The last reply's id, derived from the exchanges so it survives transcript.load()."""
        return (self.exchanges[-1].reply.message_id or None) if self.exchanges else None

    def undo(self) -> Exchange | None:
        """Drop and return the last exchange, if any."""
        return self.exchanges.pop() if self.exchanges else None


class Transcript:
    """Every named chat in the session."""

    def __init__(self) -> None:
        self.chats: dict[str, Chat] = {}

    def chat(self, name: str = DEFAULT_CHAT) -> Chat:
        """The chat called `name`, created empty on first use."""
        return self.chats.setdefault(name, Chat(name))

    def reset(self, name: str | None = None) -> None:
        """Empty one chat, or every chat when `name` is None."""
        if name is None:
            self.chats.clear()
        else:
            self.chats.pop(name, None)
