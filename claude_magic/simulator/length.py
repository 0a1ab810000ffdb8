"""How long an answer the question asks for, and which Markdown it asks to see.

The rule is visible and deterministic: "N words" asks for N words; "N paragraphs" for N paragraphs
of about 90 words; "essay", "long", "detailed", "in depth", "thorough", "comprehensive", "article"
or "report" for LONG_WORDS words; "one line", "one sentence", "two sentences", "briefly", "short"
or "N words" with N up to SHORT_WORDS for a short answer. Naming headings, lists, a table, code or
Markdown asks for those elements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LONG_WORDS = 1_500
SHORT_WORDS = 30
PARAGRAPH_WORDS = 90
MAX_WORDS = 50_000
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_COUNT = r"(\d{1,6}(?:,\d{3})*|" + "|".join(NUMBERS) + r")"
_WORDS = re.compile(_COUNT + r"[\s-]*words?\b", re.IGNORECASE)
_PARAGRAPHS = re.compile(_COUNT + r"[\s-]*paragraphs?\b", re.IGNORECASE)
_LONG = re.compile(
    r"(?<!how )\b(essay|long|lengthy|detailed|in[\s-]depth|thorough|comprehensive|article|report)\b", re.IGNORECASE
)
_SHORT = re.compile(r"\b(one[\s-]line|one sentence|two sentences|briefly|short|tl;?dr)\b", re.IGNORECASE)
ELEMENTS = {
    "heading": re.compile(r"\b(headings?|headers?|sections?|markdown)\b", re.IGNORECASE),
    "list": re.compile(r"\b(lists?|bullets?|bullet points?|markdown)\b", re.IGNORECASE),
    "table": re.compile(r"\b(tables?|markdown)\b", re.IGNORECASE),
    "code": re.compile(r"\b(code|snippet|examples? in python|markdown)\b", re.IGNORECASE),
}


@dataclass(frozen=True)
class Asked:
    """The asked length ("short", "default" or "long"), its word count (0: not counted), Markdown elements."""

    length: str
    words: int
    elements: frozenset[str]


def asked_length(question: str) -> Asked:
    """What the question asks for; "default" when it names no length."""
    elements = frozenset(name for name, pattern in ELEMENTS.items() if pattern.search(question))
    words = _count(_WORDS, question)
    paragraphs = _count(_PARAGRAPHS, question)
    if words is not None:
        return Asked("short" if words <= SHORT_WORDS else "long", min(words, MAX_WORDS), elements)
    if paragraphs is not None:
        return Asked("long", min(paragraphs * PARAGRAPH_WORDS, MAX_WORDS), elements)
    if _LONG.search(question):
        return Asked("long", LONG_WORDS, elements)
    if _SHORT.search(question):
        return Asked("short", 0, elements)
    return Asked("default", 0, elements)


def _count(pattern: re.Pattern[str], question: str) -> int | None:
    match = pattern.search(question)
    if match is None:
        return None
    word = match.group(1).lower().replace(",", "")
    return NUMBERS[word] if word in NUMBERS else max(1, int(word))
