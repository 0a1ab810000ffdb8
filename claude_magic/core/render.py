"""Reply text -> Markdown that is safe to hand to a notebook renderer; code extraction; Markdown block ends.

Model text is untrusted: outside code, `<` is escaped so no raw HTML reaches the page, and
`$` is escaped so prices are never typeset as LaTeX.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)(?:^(?P=fence)[ \t]*$|\Z)", re.M | re.S)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_PYTHON_INFOS = ("", "python", "py", "python3", "ipython")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")


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


def code_block(text: str, language: str, *, closed: bool = True) -> str:
    """`text` as one fenced code block (open while `closed` is false, as a streaming reply is); text that is
    already fenced is left as it is. The fence is longer than any backtick run in the text, so none ends it."""
    if _FENCE_OPEN.match(text.lstrip("\n")):
        return text
    fence = "`" * max(3, max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    return f"{fence}{language}\n{text}" + (f"\n{fence}" if closed else "")


def extract_code(text: str) -> str:
    """The reply's Python (or untagged) fenced code blocks, joined; else every fenced block."""
    blocks = [(m.group("info").strip().lower(), m.group("body")) for m in _FENCE.finditer(text)]
    python = [body for info, body in blocks if info in _PYTHON_INFOS]
    chosen = python or [body for _, body in blocks]
    return "\n\n".join(body.rstrip("\n") for body in chosen)


# -- where streamed Markdown may be split ------------------------------------------------


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
