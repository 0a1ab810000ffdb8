"""Remember the kernel's last exception (a `post_run_cell` hook) and phrase it for `%claude fix`."""

from __future__ import annotations

import re
import traceback
from typing import Any

from ..core.errors import ClaudeMagicError

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MAX_TRACEBACK_CHARS = 20_000  # keep the request small; the end of a traceback matters most


class LastError:
    """The most recent exception raised by a cell, and that cell's source."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.source = ""
        self.number: int | None = None  # the cell's execution count: the notebook context leaves it to fix

    def record(self, result: Any) -> None:
        """The `post_run_cell` hook: keep the cell's exception, unless it is one of ours."""
        error = result.error_in_exec or result.error_before_exec
        if error is not None and not isinstance(error, ClaudeMagicError):
            self.error = error
            self.source = getattr(result.info, "raw_cell", "") or ""
            self.number = getattr(result, "execution_count", None)

    def prompt(self) -> str | None:
        """The request asking for an explanation and a fix, or None when nothing failed yet."""
        if self.error is None:
            return None
        text = strip_ansi("".join(traceback.format_exception(type(self.error), self.error, self.error.__traceback__)))
        return (
            "This cell failed in my Jupyter kernel:\n\n```python\n"
            f"{self.source.strip()}\n```\n\nTraceback:\n\n```\n{text[-MAX_TRACEBACK_CHARS:].strip()}\n```\n\n"
            "Explain briefly what went wrong, then give the corrected code in one python block."
        )


def strip_ansi(text: str) -> str:
    """`text` without terminal colour codes."""
    return _ANSI.sub("", text)
