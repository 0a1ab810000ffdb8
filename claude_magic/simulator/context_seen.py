"""What the simulated reply says it saw in a `<notebook_context>` block: cells, variables, errors.

The block's format belongs to the client and may change, so it is read loosely, line by line:
a line that opens a cell (`<cell n="3">`, `In [3]`, `[3]`, `cell 3`, `# Cell 3`), a `name: description`
line in a variables section (`<variables>` ... `</variables>`, or a `Variables:` heading), and a line
naming an exception (`ValueError: ...`, `error: ...`). Anything else is ignored; nothing in the block
can make the sentence longer than a few short quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .prompt import plural

MAX_LINES = 2_000
NAMES_SHOWN = 2
DESCRIPTION_CHARS = 40
_CELL = re.compile(
    r"^(?:[#>*\-\s]*)(?:in\s*\[\s*\d+\s*\]|\[\s*\d+\s*\]|cell\s*(?:\[\s*)?#?\d+|<cell\b[^>]{0,20}>)", re.IGNORECASE
)
_VARIABLE = re.compile(r"^[\-*•\s]*`?([A-Za-z_]\w{0,60})`?\s*[:=]\s*(\S.*)$")
_ERROR = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Interrupt)\b|^[\-*•\s]*errors?\s*[:(]", re.IGNORECASE)
_SECTION = re.compile(r"^[#\-*\s<]*(cells?|variables?|errors?|removed)\b[^:=]*:?\s*$", re.IGNORECASE)
_CLOSING = re.compile(r"^</\w+>$")  # the end of a tagged section


@dataclass
class Seen:
    """Counts of what the context block showed, with the first variables' descriptions."""

    cells: int = 0
    errors: int = 0
    variables: list[str] = field(default_factory=list)


def read_context(block: str) -> Seen:
    """Count the cells, variables and errors a context block shows."""
    seen, section = Seen(), ""
    for raw in block.splitlines()[:MAX_LINES]:
        line = raw.strip()
        if _CLOSING.match(line):
            section = ""
            continue
        header = _SECTION.match(line)
        if header:
            section = header.group(1).lower().rstrip("s")
            continue
        _count(line, section, seen)
    return seen


def _count(line: str, section: str, seen: Seen) -> None:
    if section != "error" and _CELL.match(line):  # in an error section, `In [4], line 2` is a frame
        seen.cells += 1
    elif section == "variable" and (variable := _VARIABLE.match(line)) and variable.group(1) != "removed":
        seen.variables.append(f"{variable.group(1)}: {_short(variable.group(2))}")
    elif _ERROR.search(line) and section != "variable":
        seen.errors += 1


def _short(text: str) -> str:
    flat = " ".join(text.replace("`", "").split())
    return flat if len(flat) <= DESCRIPTION_CHARS else flat[:DESCRIPTION_CHARS].rstrip() + "…"


def context_sentence(block: str | None) -> str:
    """One sentence saying what the context showed; "" when there was no block."""
    if block is None:
        return ""
    seen = read_context(block)
    if not (seen.cells or seen.variables or seen.errors):
        return "I received a notebook context block but found no cells, variables or errors in it.\n\n"
    names = ", ".join(f"`{v}`" for v in seen.variables[:NAMES_SHOWN])
    more = ", …" if len(seen.variables) > NAMES_SHOWN else ""
    variables = plural(len(seen.variables), "variable") + (f" ({names}{more})" if names else "")
    parts = [plural(seen.cells, "cell"), variables, plural(seen.errors, "error")]
    return f"I can see {', '.join(parts[:2])} and {parts[2]} in the notebook context.\n\n"
