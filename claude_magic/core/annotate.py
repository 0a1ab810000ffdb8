"""Citation marks, footnote sources, stop-reason notes and the usage footer: the reply's annotations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .tokens import tokens_from
from .tools import SERVER
from .usage import format_cost

if TYPE_CHECKING:
    from .transcript import Reply

STOP_EXPLANATIONS = {
    "max_tokens": "The reply hit the max_tokens limit; raise --max-tokens to let it finish.",
    "refusal": "The model declined to answer; this turn stays in the transcript but is not sent again.",
    "model_context_window_exceeded": "The conversation filled the model's context window; start a --new chat.",
    "pause_turn": "The model's server tools were still working after several continuations; "
    "ask it to go on in the next cell.",
    "tool_use": "The model asked to run a tool, but this cell enabled none, so nothing ran; "
    "the next cell tells the model so.",
}


def stop_note(reply: Reply) -> str:
    """Why the reply stopped, when that is worth a line: a refusal names its category and explanation."""
    note = STOP_EXPLANATIONS.get(reply.stop_reason or "", "")
    if reply.refused and reply.refusal:
        note = f"The model declined to answer ({reply.refusal}); this turn is kept but not sent again."
    if reply.stop_reason == "tool_use" and reply.tool_calls:
        note = (
            f"The tool loop stopped after {reply.rounds - 1} rounds with the model still asking for tools; "
            "raise --max-tool-rounds, or ask it to go on in the next cell."
        )
    return note


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def citation_mark(numbers: Sequence[int]) -> str:
    """Superscript footnote markers, e.g. [1, 2] -> '¹˒²'; plain text, so no HTML is needed."""
    return "˒".join(str(number).translate(_SUPERSCRIPTS) for number in numbers)


def citation_source(citation: Mapping[str, Any]) -> str:
    """'Example Document, characters 1–20': the cited document and where in it (1-based, inclusive)."""
    title = citation.get("document_title") or citation.get("title") or _document_label(citation)
    location = _location(citation)
    return f"{title}, {location}" if location else str(title)


def _document_label(citation: Mapping[str, Any]) -> str:
    index = citation.get("document_index")
    return f"document {int(index) + 1}" if index is not None else str(citation.get("url") or "source")


def _location(citation: Mapping[str, Any]) -> str:
    # The API's indices have exclusive ends; characters and blocks count from 0, pages from 1.
    kind = citation.get("type")
    if kind == "char_location":
        return _span("character", int(citation["start_char_index"]) + 1, int(citation["end_char_index"]))
    if kind == "page_location":
        return _span("page", int(citation["start_page_number"]), int(citation["end_page_number"]) - 1)
    if "start_block_index" in citation:
        return _span("block", int(citation["start_block_index"]) + 1, int(citation["end_block_index"]))
    return str(citation.get("url") or "")


def _span(unit: str, first: int, last: int) -> str:
    return f"{unit} {first}" if last <= first else f"{unit}s {first}–{last}"


def estimated_tokens(chars: int) -> int:
    """Output tokens estimated from the characters of a reply so far."""
    return tokens_from(chars, 0)


def live_tokens(chars: int) -> str:
    """The live footer while a reply streams (ui/stream_view.js words it the same way)."""
    return f"~{estimated_tokens(chars):,} tokens so far"


def usage_lines(reply: Reply, spend: str | None = None) -> list[str]:
    """The footer: tokens in (cache split), tokens out (thinking), cost, hit rate, timings, stop reason;
    then `spend` (the session's spend and budget), when given."""
    u = reply.usage
    cache = f"cache read {u.cache_read_input_tokens:,} · cache write {u.cache_creation_input_tokens:,}"
    tokens_in = f"{u.total_input_tokens:,} in ({cache} · uncached {u.input_tokens:,})"
    thinking = f" (thinking {u.thinking_tokens:,})" if u.thinking_tokens is not None else ""
    hit = f"{u.hit_rate:.0%}" if u.hit_rate is not None else "n/a"
    lines = [f"{tokens_in} · {u.output_tokens:,} out{thinking}", f"{format_cost(reply.cost_usd)} · cache hit {hit}"]
    lines[1] += "".join(f" · {label} {_seconds(value)}" for label, value in _timings(reply))
    lines[1] += "".join(f" · {extra}" for extra in _extras(reply))
    compacted = compaction_note(reply)
    if compacted:
        lines.append(compacted)
    if reply.stop_reason not in (None, "end_turn"):
        note = stop_note(reply)
        lines.append(f"stop reason: {reply.stop_reason}" + (f". {note}" if note else ""))
    return lines + ([spend] if spend else [])


def compaction_note(reply: Reply) -> str:
    """'compacted: 52,310 tokens of earlier context replaced by a 180-token summary', when the API compacted."""
    done = [item for item in reply.usage.separate_iterations if item.get("type") == "compaction"]
    if not done:
        return ""
    replaced = sum(_iteration_input(item) for item in done)
    summary = sum(int(item.get("output_tokens") or 0) for item in done)
    return (
        f"compacted: {replaced:,} tokens of earlier context replaced by a {summary:,}-token summary "
        "(billed as its own iteration, included in the cost)"
    )


def _iteration_input(item: Mapping[str, Any]) -> int:
    keys = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    return sum(int(item.get(key) or 0) for key in keys)


def _extras(reply: Reply) -> list[str]:
    """Billed items beside tokens, and calls beyond the first."""
    u, extras = reply.usage, []
    if u.web_search_requests:
        extras.append(f"{u.web_search_requests:,} web search(es)")
    if u.web_fetch_requests:
        extras.append(f"{u.web_fetch_requests:,} web fetch(es)")
    if u.separate_iterations:
        extras.append(f"{len(u.separate_iterations)} billed iteration(s) (compaction, advisor)")
    if reply.rounds > 1:
        # A tool loop's rounds are calls too: they are not paused turns (a server tool's call has no round of its own).
        looped = any(call.source != SERVER for call in reply.tool_calls)
        why = "tool results were sent back" if looped else "a paused turn was continued"
        extras.append(f"{reply.rounds} calls ({why})")
    return extras


def _timings(reply: Reply) -> list[tuple[str, float | None]]:
    """The wait for the first token and the API's time over every call; then the kernel's time running tools,
    which the API time does not include (each tool row says its own `ran` time)."""
    timings = [("first token", reply.ttft_s), ("API time", reply.duration_s)]
    ran = [call.duration_s for call in reply.tool_calls if call.source != SERVER and call.duration_s]
    return timings + ([("tools ran", sum(ran))] if ran else [])


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"
