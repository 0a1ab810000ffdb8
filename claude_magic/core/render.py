"""Reply text -> Markdown that is safe to hand to a notebook renderer, and code extraction.

Model text is untrusted: outside code, `<` is escaped so no raw HTML reaches the page, and
`$` is escaped so prices are never typeset as LaTeX.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .usage import format_cost

if TYPE_CHECKING:
    from .transcript import Reply

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)(?:^(?P=fence)[ \t]*$|\Z)", re.M | re.S)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_PYTHON_INFOS = ("", "python", "py", "python3", "ipython")


def safe_markdown(text: str) -> str:
    """`text` with raw HTML and LaTeX delimiters neutralised outside code."""
    pieces: list[str] = []
    position = 0
    for match in _FENCE.finditer(text):
        pieces.append(_escape_prose(text[position : match.start()]))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(_escape_prose(text[position:]))
    return "".join(pieces)


def _escape_prose(text: str) -> str:
    pieces: list[str] = []
    position = 0
    for match in _INLINE_CODE.finditer(text):
        pieces.append(_escape_plain(text[position : match.start()]))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(_escape_plain(text[position:]))
    return "".join(pieces)


def _escape_plain(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("$", r"\$")


def extract_code(text: str) -> str:
    """The reply's Python (or untagged) fenced code blocks, joined; else every fenced block."""
    blocks = [(m.group("info").strip().lower(), m.group("body")) for m in _FENCE.finditer(text)]
    python = [body for info, body in blocks if info in _PYTHON_INFOS]
    chosen = python or [body for _, body in blocks]
    return "\n\n".join(body.rstrip("\n") for body in chosen)


# -- the response panel's pure parts: citation marks, footnotes, stream splitting, footer ----------

STOP_EXPLANATIONS = {
    "max_tokens": "The reply hit the max_tokens limit; raise --max-tokens to let it finish.",
    "refusal": "The model declined to answer this request.",
    "model_context_window_exceeded": "The conversation filled the model's context window; start a --new chat.",
    "pause_turn": "The model paused a long-running turn; re-run to continue.",
}

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def citation_mark(numbers: Sequence[int]) -> str:
    """Superscript footnote markers, e.g. [1, 2] -> '¹˒²'; plain text, so no HTML is needed."""
    return "˒".join(str(number).translate(_SUPERSCRIPTS) for number in numbers)


def with_citation_marks(segments: Sequence[tuple[str, Sequence[int]]]) -> str:
    """The text blocks joined, each followed by the marks of the citations attached to it."""
    return "".join(text + citation_mark(numbers) for text, numbers in segments)


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


def closed_prefix_end(text: str, start: int = 0) -> int:
    """Offset in `text` up to which its Markdown blocks are finished and will not change.

    A block is finished at a blank line outside a code fence when the next line starts flush
    left (so list continuations and indented code stay with their block). `start` must itself
    be such an offset.
    """
    end, fence, position = start, "", start
    lines = text[start:].split("\n")
    for number, line in enumerate(lines[:-1]):
        position += len(line) + 1
        fence = _next_fence(fence, line)
        follower = lines[number + 1]
        if not fence and not line.strip() and follower[:1] not in ("", " ", "\t"):
            end = position
    return end


def _next_fence(fence: str, line: str) -> str:
    """The open fence after `line`: '' outside code, else the fence's characters."""
    match = _FENCE_OPEN.match(line)
    marker = match.group(1) if match else ""
    if not fence:
        return marker
    closes = marker[:1] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker) :].strip()
    return "" if closes else fence


def usage_lines(reply: Reply) -> list[str]:
    """The footer: tokens in (cache split), tokens out (thinking), cost, hit rate, timings, stop reason."""
    u = reply.usage
    cache = f"cache read {u.cache_read_input_tokens:,} · cache write {u.cache_creation_input_tokens:,}"
    tokens_in = f"{u.total_input_tokens:,} in ({cache} · uncached {u.input_tokens:,})"
    thinking = f" (thinking {u.thinking_tokens:,})" if u.thinking_tokens is not None else ""
    hit = f"{u.hit_rate:.0%}" if u.hit_rate is not None else "n/a"
    lines = [f"{tokens_in} · {u.output_tokens:,} out{thinking}", f"{format_cost(reply.cost_usd)} · cache hit {hit}"]
    lines[1] += "".join(f" · {label} {_seconds(value)}" for label, value in _timings(reply))
    if reply.stop_reason not in (None, "end_turn"):
        note = STOP_EXPLANATIONS.get(reply.stop_reason or "", "")
        lines.append(f"stop reason: {reply.stop_reason}" + (f". {note}" if note else ""))
    return lines


def _timings(reply: Reply) -> list[tuple[str, float | None]]:
    return [("first token", reply.ttft_s), ("total", reply.duration_s)]


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"
