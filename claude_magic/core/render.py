"""Reply text -> Markdown that is safe to hand to a notebook renderer; code extraction; streamed Markdown.

While a reply streams, `closed_prefix_end` says where its finished blocks end, and `open_tail` says
how the unfinished one will read (markers hidden) so the live panel shows no raw Markdown.

Model text is untrusted: outside code, `<` is escaped so no raw HTML reaches the page, and
`$` is escaped so prices are never typeset as LaTeX.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

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


# -- the open tail: what the last, unfinished block will look like -------------------------

MarkKind = Literal["strong", "em", "code", "heading"]
_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]+|$)", re.M)
_PLAIN = re.compile(r"[^`*_\\\n]+")  # text with no marker and no line start in it
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@dataclass(frozen=True)
class Mark:
    """`kind` over `start`..`end` of an `OpenTail`'s text; `end` None: to the end, however far it grows."""

    start: int
    end: int | None
    kind: MarkKind


@dataclass(frozen=True)
class OpenTail:
    """The unfinished block as it will read once finished: no fence line, no emphasis or heading markers.

    `code`: the block is an open code fence (its text is the code, shown in a code box).
    """

    text: str
    code: bool = False
    marks: tuple[Mark, ...] = ()


def open_tail(text: str) -> OpenTail:
    """`text` (the Markdown after the last finished block) as it will look once its block ends.

    Fence lines, also one still being typed, are hidden and code is left exactly as written; in
    prose, emphasis, inline code and heading markers become marks, an unclosed one running to the end.
    """
    fence, code, pieces = "", False, []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        after = _next_fence(fence, line)
        if after != fence:  # a fence line, opening or closing: hidden
            code = code or (number == 0 and bool(after))
        elif fence and number == len(lines) - 1 and line.strip() and not line.strip().strip(fence[0]):
            pass  # the closing fence, still being typed
        else:
            pieces.append((line + ("" if number == len(lines) - 1 else "\n"), bool(fence)))
        fence = after
    return _joined_tail(pieces, code)


def _joined_tail(pieces: list[tuple[str, bool]], code: bool) -> OpenTail:
    """Prose runs through `_inline`; code is kept verbatim (marked as code when the box is not all code)."""
    text, marks = "", []
    for run, verbatim in _merged(pieces):
        if verbatim:
            marks += [] if code else [Mark(len(text), len(text) + len(run), "code")]
            text += run
        else:
            shown, found = _inline(run)
            marks += [Mark(m.start + len(text), None if m.end is None else m.end + len(text), m.kind) for m in found]
            text += shown
    return _trimmed(OpenTail(text, code, tuple(marks)))


def _trimmed(tail: OpenTail) -> OpenTail:
    """Without trailing line breaks (a blank line waiting for the next block would show, then vanish)."""
    text = tail.text.rstrip("\n")
    size = len(text)
    marks = tuple(Mark(min(m.start, size), None if m.end is None else min(m.end, size), m.kind) for m in tail.marks)
    return OpenTail(text, tail.code, marks)


def _merged(pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    runs: list[tuple[str, bool]] = []
    for piece, verbatim in pieces:
        if runs and runs[-1][1] == verbatim:
            runs[-1] = (runs[-1][0] + piece, verbatim)
        else:
            runs.append((piece, verbatim))
    return runs


def _inline(text: str) -> tuple[str, list[Mark]]:
    """Prose without its inline markers, and the marks they make (an unclosed one to the end)."""
    scan = _InlineScan(text)
    scan.run()
    return "".join(scan.shown), scan.marks + scan.still_open()


@dataclass
class _Opener:
    char: str
    length: int
    at: int  # offset in the shown text


@dataclass
class _InlineScan:
    """One pass over prose: CommonMark's flanking rules for `*` and `_`, simplified for a stream."""

    text: str
    position: int = 0
    size: int = 0  # length of the shown text so far
    shown: list[str] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    openers: list[_Opener] = field(default_factory=list)
    heading: int | None = None  # where the open heading line starts in the shown text

    def run(self) -> None:
        while self.position < len(self.text):
            if self.position == 0 or self.text[self.position - 1] == "\n":
                self._line_start()
            char = self.text[self.position : self.position + 1]
            if not char:
                break
            if char == "`":
                self._code_span()
            elif char in "*_":
                self._delimiter(char)
            elif char == "\\":
                self._escape()
            else:
                plain = _PLAIN.match(self.text, self.position)
                self._emit(plain.group() if plain else char, plain.end() - self.position if plain else 1)

    def _emit(self, shown: str, consumed: int) -> None:
        if shown == "\n" and self.heading is not None:
            self.marks.append(Mark(self.heading, self.size, "heading"))
            self.heading = None
        self.shown.append(shown)
        self.size += len(shown)
        self.position += consumed

    def _line_start(self) -> None:
        match = _ATX.match(self.text, self.position)
        if match:
            self.heading, self.position = self.size, match.end()

    def _code_span(self) -> None:
        run = _run_length(self.text, self.position)
        body = self.position + run
        closing = re.compile(f"(?<!`){'`' * run}(?!`)").search(self.text, body)
        end = closing.start() if closing else len(self.text)
        start = self.size
        self.position = body
        self._emit(self.text[body:end], end - body)
        self.marks.append(Mark(start, self.size if closing else None, "code"))
        self.position = end + (run if closing else 0)

    def _escape(self) -> None:
        following = self.text[self.position + 1 : self.position + 2]
        if following in _PUNCTUATION or not following:  # a lone `\\` at the end is still being typed
            self._emit(following, 2)
        else:
            self._emit("\\", 1)

    def _delimiter(self, char: str) -> None:
        """A run of `*` or `_`: hidden when it opens or closes emphasis (or may, once more text comes)."""
        run = _run_length(self.text, self.position)
        end = self.position + run
        before = self.text[self.position - 1] if self.position else "\n"
        if end == len(self.text):  # the run is still being typed: hide it, decide on the next update
            self._emit("", run)
            return
        after = self.text[end]
        left, right = not after.isspace(), not before.isspace()
        both = left and right
        can_open = left and not (char == "_" and both and before.isalnum())
        can_close = right and not (char == "_" and both and after.isalnum())
        if can_close and self._close(char, run):
            self.position = end
        elif can_open and (not both or self.text.find(char * run, end) >= 0):
            self.openers.append(_Opener(char, run, self.size))
            self.position = end
        else:
            self._emit(char * run, run)

    def _close(self, char: str, run: int) -> bool:
        """Close the innermost opener of `char`: a run of two or more both sides is strong, else em."""
        index = next((i for i in range(len(self.openers) - 1, -1, -1) if self.openers[i].char == char), None)
        if index is None:
            return False
        opener = self.openers[index]
        del self.openers[index:]
        self.marks += [Mark(opener.at, self.size, kind) for kind in _kinds(min(opener.length, run))]
        return True

    def still_open(self) -> list[Mark]:
        """Marks of the emphasis and heading not closed yet: they run to the end of the tail."""
        marks = [Mark(o.at, None, kind) for o in self.openers for kind in _kinds(o.length)]
        return marks + ([Mark(self.heading, None, "heading")] if self.heading is not None else [])


def _kinds(length: int) -> tuple[MarkKind, ...]:
    """What a run of `length` delimiters makes: `*` em, `**` strong, `***` both."""
    return _EMPHASIS.get(length, ("strong", "em"))


_EMPHASIS: dict[int, tuple[MarkKind, ...]] = {1: ("em",), 2: ("strong",)}


def _run_length(text: str, start: int) -> int:
    """How many copies of `text[start]` follow from `start` on."""
    end = start
    while end < len(text) and text[end] == text[start]:
        end += 1
    return end - start
