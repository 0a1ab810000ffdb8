"""The default reply's citation: the first citable document of the message being answered."""

from __future__ import annotations

import re
from typing import Any

from .media import all_blocks

_FIRST_SENTENCE = re.compile(r"(?s)\s*.*?(?:[.!?](?:\s+|$)|$)")
PDF_PLACEHOLDER = "(text of page 1)"


def default_citations(body: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """One citation of the first document in the final user message, or () when it cites nothing.

    Documents of earlier turns are never cited: a reply cites what the current request asks about.
    """
    messages = [m for m in body["messages"] if isinstance(m, dict)]
    if not messages or messages[-1].get("role") != "user":
        return ()
    current = _documents([messages[-1]])
    if not current or not (current[0].get("citations") or {}).get("enabled"):
        return ()
    # document_index counts every document of the request, earlier turns included
    return (_citation(current[0], len(_documents(messages[:-1]))),)


def _documents(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in all_blocks(messages) if b.get("type") == "document"]


def _citation(document: dict[str, Any], index: int) -> dict[str, Any]:
    source = document.get("source") or {}
    common = {"document_index": index, "document_title": document.get("title"), "file_id": None}
    if source.get("type") == "text":
        sentence = _FIRST_SENTENCE.match(str(source.get("data", "")))
        end = sentence.end() if sentence else 0
        cited = str(source.get("data", ""))[:end]
        return {"type": "char_location", "cited_text": cited, **common, "start_char_index": 0, "end_char_index": end}
    if source.get("type") == "content":
        first: dict[str, Any] = next(iter(source.get("content") or []), {})
        return {
            "type": "content_block_location",
            "cited_text": str(first.get("text", "")),
            **common,
            "start_block_index": 0,
            "end_block_index": 1,
        }
    return {
        "type": "page_location",
        "cited_text": PDF_PLACEHOLDER,
        **common,
        "start_page_number": 1,
        "end_page_number": 2,
    }


def citing_sentence(citations: tuple[dict[str, Any], ...]) -> str:
    """The closing sentence of the default reply that carries its citation."""
    if not citations:
        return ""
    title = citations[0].get("document_title") or "the first document"
    return f"\n\nThe document `{title}` begins with the cited passage."
