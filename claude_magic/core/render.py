"""Reply text -> Markdown that is safe to hand to a notebook renderer, and code extraction.

Model text is untrusted: outside code, `<` is escaped so no raw HTML reaches the page, and
`$` is escaped so prices are never typeset as LaTeX.
"""

from __future__ import annotations

import re

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
