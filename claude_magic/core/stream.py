"""SDK `MessageStream` events -> claude_magic events, with the reply state accumulated purely.

The SDK's stream already accumulates each block's text; its derived `text` and `thinking`
events carry that block's snapshot, so the only joining done here is across text blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .annotate import citation_mark
from .events import (
    CitationAdded,
    Event,
    Finished,
    Started,
    TextDelta,
    ThinkingDelta,
    ThinkingDone,
    ToolFinished,
    ToolStarted,
)
from .tools import SERVER, ToolCall


@dataclass
class Segment:
    """One text block of the reply and the citation numbers attached to it."""

    text: str = ""
    citations: list[int] = field(default_factory=list)


@dataclass
class StreamState:
    """Everything learned from the stream so far."""

    model: str = ""
    message_id: str = ""
    segments: list[Segment] = field(default_factory=list)
    thinking: str = ""
    thinking_omitted: bool = False
    citations: list[dict[str, Any]] = field(default_factory=list)
    server_uses: dict[str, dict[str, Any]] = field(default_factory=dict)  # server_tool_use blocks by id
    usage: dict[str, Any] = field(default_factory=dict)
    stop_reason: str | None = None
    stop_details: dict[str, Any] | None = None
    finished: bool = False
    citation_base: int = 0  # citations numbered before this call (earlier rounds of a tool loop)
    _text_prefix: str = ""
    _marked_prefix: str = ""

    @property
    def text(self) -> str:
        """The reply text so far, all text blocks joined."""
        current = self.segments[-1].text if self.segments else ""
        return self._text_prefix + current

    @property
    def marked(self) -> str:
        """The reply text so far with each cited text block followed by its footnote markers."""
        if not self.segments:
            return self._marked_prefix
        current = self.segments[-1]
        return self._marked_prefix + current.text + citation_mark(current.citations)


def as_dict(value: Any) -> dict[str, Any]:
    """A plain dict from an SDK model (`to_dict`) or a mapping."""
    if isinstance(value, Mapping):
        return dict(value)
    # warnings off: a hostile reply's field of the wrong type (a tool input that is a list) is checked downstream
    result: dict[str, Any] = value.to_dict(exclude_none=True, warnings=False)
    return result


def consume(state: StreamState, event: Any) -> list[Event]:
    """Fold one SDK stream event into `state` and return the events it produces."""
    handler = _HANDLERS.get(getattr(event, "type", ""))
    return handler(state, event) if handler else []


def translate(events: Iterable[Any], state: StreamState | None = None) -> Iterator[Event]:
    """Every claude_magic event for a sequence of SDK stream events."""
    state = state if state is not None else StreamState()
    for event in events:
        yield from consume(state, event)


def _message_start(state: StreamState, event: Any) -> list[Event]:
    message = event.message
    state.model, state.message_id = message.model, message.id
    state.usage = as_dict(message.usage)
    return [Started(state.model, state.message_id, int(state.usage.get("input_tokens", 0)))]


def _block_start(state: StreamState, event: Any) -> list[Event]:
    if event.content_block.type == "text":
        state._text_prefix, state._marked_prefix = state.text, state.marked
        state.segments.append(Segment(text=event.content_block.text))
    return []


def _text(state: StreamState, event: Any) -> list[Event]:
    state.segments[-1].text = event.snapshot
    return [TextDelta(event.text, state.text, len(state.segments) - 1, state.marked)]


def _thinking(state: StreamState, event: Any) -> list[Event]:
    if not event.thinking:
        return []
    state.thinking = event.snapshot if not state.thinking else _join_thinking(state, event)
    return [ThinkingDelta(event.thinking, state.thinking)]


def _join_thinking(state: StreamState, event: Any) -> str:
    # A second thinking block (interleaved thinking) starts a new paragraph.
    chunk: str = event.thinking
    if event.snapshot == chunk:
        return f"{state.thinking}\n\n{chunk}"
    return state.thinking + chunk


def _citation(state: StreamState, event: Any) -> list[Event]:
    citation = as_dict(event.citation)
    state.citations.append(citation)
    number = state.citation_base + len(state.citations)
    if state.segments:
        state.segments[-1].citations.append(number)
    return [CitationAdded(citation, number, max(len(state.segments) - 1, 0), state.marked)]


def _block_stop(state: StreamState, event: Any) -> list[Event]:
    block: Any = getattr(event, "content_block", None)
    kind = getattr(block, "type", None)
    if kind == "thinking":
        state.thinking_omitted = not block.thinking and not state.thinking
        return [ThinkingDone(state.thinking, state.thinking_omitted)]
    if kind == "server_tool_use":
        data = as_dict(block)
        state.server_uses[str(data.get("id"))] = data
        return [ToolStarted(str(data.get("id")), str(data.get("name")), dict(data.get("input") or {}), SERVER)]
    if isinstance(kind, str) and kind.endswith(SERVER_RESULT_SUFFIX) and kind != "tool_result":
        return [ToolFinished(server_call(state, as_dict(block)))]
    return []


SERVER_RESULT_SUFFIX = "_tool_result"  # web_search_tool_result, web_fetch_tool_result, ...


def server_call(state: StreamState, result: dict[str, Any]) -> ToolCall:
    """A server tool's use and its result block as one call; the result is summarised, not copied."""
    use = state.server_uses.get(str(result.get("tool_use_id")), {})
    content = result.get("content")
    error = isinstance(content, dict) and "error_code" in content
    summary = f"error: {content.get('error_code')}" if error and isinstance(content, dict) else _found(content)
    return ToolCall(
        id=str(result.get("tool_use_id")),
        name=str(use.get("name", result.get("type", "")).removesuffix(SERVER_RESULT_SUFFIX)),
        input=dict(use.get("input") or {}),
        source=SERVER,
        content=summary,
        is_error=error,
    )


def _found(content: Any) -> str:
    """What a server tool brought back, in a few words: result titles and URLs."""
    items = content if isinstance(content, list) else [content] if isinstance(content, dict) else []
    lines = [f"{item.get('title') or ''} {item.get('url') or ''}".strip() for item in items if isinstance(item, dict)]
    return "\n".join(line for line in lines if line) or f"{len(items)} result(s)"


def _message_delta(state: StreamState, event: Any) -> list[Event]:
    state.stop_reason = event.delta.stop_reason
    details = getattr(event.delta, "stop_details", None)
    state.stop_details = as_dict(details) if details is not None else None
    # Usage on message_delta is cumulative: overwrite the fields present, never add.
    state.usage.update(as_dict(event.usage))
    return []


def _message_stop(state: StreamState, event: Any) -> list[Event]:
    state.finished = True
    return [Finished(state.stop_reason, dict(state.usage))]


_HANDLERS = {
    "message_start": _message_start,
    "content_block_start": _block_start,
    "text": _text,
    "thinking": _thinking,
    "citation": _citation,
    "content_block_stop": _block_stop,
    "message_delta": _message_delta,
    "message_stop": _message_stop,
}
