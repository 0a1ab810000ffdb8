"""The text of a default reply sized to the asked length: short, or long with Markdown's range.

Every sentence says it is simulated; the words are real, their content is not. Deterministic:
the same question gives the same text.
"""

from __future__ import annotations

import re

from .length import Asked
from .prompt import LABEL, fingerprint, quote

TOPIC_CHARS = 60
SENTENCES = (
    "This paragraph stands in for what a model would write about {topic}.",
    "The simulator cycles through a small set of sentences, so the length is real but the content is not.",
    "A model would give facts, reasons and examples here; the simulator gives only the shape of an answer.",
    "Every word is deterministic: the same question gives the same reply, which tests and notebooks rely on.",
    "These words count against `max_tokens` as a model's would, and the reply stops there if they run out.",
    "Section {section}, paragraph {paragraph}: the reply keeps going until it reaches about {words} words.",
)
SECTION_TITLES = ("Background", "The main idea", "How it works", "Trade-offs", "In practice", "Further reading")
_SUBJECT = re.compile(r":\s*(\S.*)$", re.DOTALL)


def short_text(question: str, words: int) -> str:
    """A labelled answer of about `words` words: the words after the question's colon, else one sentence."""
    subject = _SUBJECT.search(question)
    if subject and words:
        return f"{LABEL} " + " ".join(subject.group(1).split()[:words])
    return f'{LABEL} You asked: "{quote(question)}" A model would answer briefly; no model ran.'


def long_text(question: str, asked: Asked, char_limit: int) -> str:
    """About `asked.words` words of Markdown: headings and lists always, a table and code when asked."""
    topic = quote(question, TOPIC_CHARS)
    parts = [
        f'{LABEL} You asked: "{quote(question)}"',
        f"*Simulated text from `claude_magic.simulator`, about {asked.words:,} words as asked; no model ran.*",
        *element_sections(question, asked.elements | {"heading", "list"}),
    ]
    section = 0
    while _words(parts) < asked.words and sum(map(len, parts)) < char_limit:
        section += 1
        parts.append(_section(topic, section, asked.words))
    parts.append("## Summary\n\n" + _paragraph(topic, section + 1, 1, asked.words, 2))
    return "\n\n".join(parts) + "\n"


def element_sections(question: str, elements: frozenset[str]) -> list[str]:
    """A short section for each Markdown element asked for: a list, a table, a code block."""
    topic = quote(question, TOPIC_CHARS)
    sections: list[str] = []
    if "list" in elements:
        sections.append("## Key points\n\n" + _bullets(topic))
    if "table" in elements:
        sections.append("## At a glance\n\n" + _table(question))
    if "code" in elements:
        sections.append("## An example\n\n" + _code(question))
    return sections


def _section(topic: str, number: int, words: int) -> str:
    title = SECTION_TITLES[(number - 1) % len(SECTION_TITLES)]
    paragraphs = [_paragraph(topic, number, n, words) for n in (1, 2)]
    return f"## {number}. {title}\n\n" + "\n\n".join(paragraphs)


def _paragraph(topic: str, section: int, paragraph: int, words: int, count: int = len(SENTENCES)) -> str:
    start = section + paragraph
    picked = [SENTENCES[(start + n) % len(SENTENCES)] for n in range(count)]
    return " ".join(
        s.format(topic=f'"{topic}"', section=section, paragraph=paragraph, words=f"{words:,}") for s in picked
    )


def _bullets(topic: str) -> str:
    return "\n".join(
        [
            f'- **The question**: "{topic}"',
            "- **What a model would add**: facts, reasons and examples",
            "- **What the simulator adds**: structure, length and labels",
            "  - nested items render too",
        ]
    )


def _table(question: str) -> str:
    rows = [("words in the question", str(len(question.split()))), ("fingerprint", f"`{fingerprint(question)}`")]
    body = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return "| what | value |\n|---|---:|\n" + body + "\n| model | none: simulated |"


def _code(question: str) -> str:
    return (
        "```python\n"
        f"question = {len(question)}  # characters in your question\n"
        "for n in range(3):\n"
        '    print(f"simulated step {n}")\n'
        "```"
    )


def _words(parts: list[str]) -> int:
    return sum(len(p.split()) for p in parts)
