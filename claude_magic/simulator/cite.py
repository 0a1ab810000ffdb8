"""The default reply's citation: when documents have citations enabled, cite the first one."""

from __future__ import annotations

import re
from typing import Any

from ..core.content import iter_blocks

_FIRST_SENTENCE = re.compile(r"(?s)\s*.*?(?:[.!?](?:\s+|$)|$)")
PDF_PLACEHOLDER = "(text of page 1)"


def default_citations(body: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """One citation of the first document in the last user message, or () when citations are off."""
    users = [m for m in body["messages"] if isinstance(m, dict) and m.get("role") == "user"]
    documents = [b for b in iter_blocks(body["messages"]) if b.get("type") == "document"]
    if not users or not documents or not (documents[0].get("citations") or {}).get("enabled"):
        return ()
    return (_citation(documents[0]),)


def _citation(document: dict[str, Any]) -> dict[str, Any]:
    source = document.get("source") or {}
    common = {"document_index": 0, "document_title": document.get("title"), "file_id": None}
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
