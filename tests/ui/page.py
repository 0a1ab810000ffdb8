"""What the browser shows for a sequence of panel ops: the same rules as ui/stream_view.js, in Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Target:
    done: list[str] = field(default_factory=list)
    tail: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    code: bool = False  # the open tail shows in a code box
    marks: list[list[Any]] = field(default_factory=list)  # [start, end or None, kind] over the tail

    def row(self, key: str, html: str) -> None:
        if key in self.rows:
            self.done[self.rows[key]] = html
        else:
            self.rows[key] = len(self.done)
            self.done.append(html)

    def replace(self, keep: int, text: str) -> None:
        self.tail = self.tail[:keep] + text

    def freeze(self, html: str, chars: int) -> None:
        self.done.append(html)
        self.tail = self.tail[chars:]
        self.code, self.marks = False, []

    def style(self, code: bool, marks: list[list[Any]]) -> None:
        self.code, self.marks = code, marks

    def marked(self, kind: str) -> list[str]:
        """The tail's text under each mark of `kind`, as the browser wraps it."""
        return [self.tail[start : len(self.tail) if end is None else end] for start, end, k in self.marks if k == kind]


@dataclass
class Page:
    body: Target = field(default_factory=Target)
    thought: Target = field(default_factory=Target)
    footer: str = ""  # the live output-token estimate

    @property
    def tail(self) -> str:
        return self.body.tail

    @classmethod
    def replay(cls, ops: list[list[Any]]) -> Page:
        page = cls()
        actions = {
            "r": page.body.replace,
            "f": page.body.freeze,
            "tr": page.thought.replace,
            "tf": page.thought.freeze,
            "s": page.body.style,
            "ts": page.thought.style,
            "x": page.body.row,
            "c": lambda count: setattr(page, "footer", f"~{count:,} tokens so far"),  # as stream_view.js words it
        }
        for op, *args in ops:
            actions[op](*args)
        return page

    def body_html(self) -> str:
        return "".join(self.body.done) + self.body.tail

    def thinking_text(self) -> str:
        return "".join(self.thought.done) + self.thought.tail
