"""An input transformer so `%claude Is it true?` is a prompt, not IPython's `?` help syntax."""

from __future__ import annotations

import re

_LINE_MAGIC = re.compile(r"^(?P<indent>[ \t]*)%claude(?:[ \t]+(?P<rest>.*?))?[ \t]*$")


def protect_question_marks(lines: list[str]) -> list[str]:
    """Rewrite `%claude ...?` lines as explicit magic calls before IPython's help-end transform sees them."""
    return [_rewrite(line) for line in lines]


def _rewrite(line: str) -> str:
    body = line.rstrip("\n")
    match = _LINE_MAGIC.match(body)
    if not match or not body.endswith("?"):
        return line
    call = f"get_ipython().run_line_magic('claude', {match['rest'] or ''!r})"
    return match["indent"] + call + line[len(body) :]
