"""What an agent's question is about: the CSV path or frame it names, the columns it mentions, what it asks for.

Read from the prompt and the `<notebook_context>` block (its `name: DataFrame, ...` variable lines),
and, as calls come back, from their printed text: a frame's `dtypes.to_dict()` line and the lines
the survey prints. Everything here is hostile text: it is scanned within fixed lengths, names are
kept only when they are Python identifiers, strings only through `ast.literal_eval` of one quoted
token, so nothing read can become code but as a literal.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from dataclasses import dataclass

SCAN_CHARS = 100_000  # of a prompt, a context block or a result
MAX_COLUMNS = 200
NAME_CHARS = 60
_QUOTED_CSV = re.compile(r"[\"'`]([^\"'`\n\\]{1,200}\.csv)[\"'`]", re.IGNORECASE)
_BARE_CSV = re.compile(r"(?<![\w/.~-])((?:~|\.{1,2})?/?(?:[\w.~-]+/){0,12}[\w.-]{1,100}\.csv)(?![\w/])", re.IGNORECASE)
_CONTEXT_FRAME = re.compile(r"^[\-*\s]*`?([A-Za-z_]\w{0,59})`?\s*:\s*DataFrame\b", re.MULTILINE)
_BACKTICKED = re.compile(r"`([A-Za-z_]\w{0,59})`")
_FRAME_LIKE = re.compile(r"(?<![\w.])(df|df_\w{1,40}|\w{1,40}_df|frame|\w{1,40}_frame)(?![\w(])")
_QUOTED = r"'(?:[^'\\\n]|\\.){0,200}'|\"(?:[^\"\\\n]|\\.){0,200}\""
_PAIR = re.compile(rf"({_QUOTED}):\s*({_QUOTED})")
_SURVEYED = re.compile(r"^([A-Za-z_]\w{0,59}) \((\d+), (\d+)\) \{", re.MULTILINE)
_PLOT = re.compile(r"\b(plot|chart|graph|visuali[sz]e|draw|histogram)", re.IGNORECASE)
_CLEAN = re.compile(r"\b(clean|parse|dates?)\b", re.IGNORECASE)
_MONTHLY = re.compile(r"\b(monthly|(per|by|each) month)\b", re.IGNORECASE)
_MEAN = re.compile(r"\b(average|mean|avg)\b", re.IGNORECASE)
_DATE_NAME = re.compile(r"date|time|month|day|week|year|period|_at$|^at$|when", re.IGNORECASE)
NUMERIC = ("int", "uint", "float", "Int", "UInt", "Float")
TEXTUAL = ("object", "category", "string", "str", "bool")


@dataclass(frozen=True)
class Subject:
    """What the prompt asks the agent to work on and do."""

    prompt: str
    path: str | None  # a .csv the prompt names
    frame: str | None  # a frame the prompt or the context names
    plot: bool
    clean: bool
    monthly: bool
    mean: bool


def subject_of(prompt: str, context: str | None) -> Subject:
    """The subject of an agent question: a CSV path first, then a frame named in the prompt or the context."""
    text = prompt[:SCAN_CHARS]
    return Subject(
        prompt=text,
        path=csv_path(text),
        frame=frame_named(text, (context or "")[:SCAN_CHARS]),
        plot=_PLOT.search(text) is not None,
        clean=_CLEAN.search(text) is not None,
        monthly=_MONTHLY.search(text) is not None,
        mean=_MEAN.search(text) is not None,
    )


def csv_path(prompt: str) -> str | None:
    """The first `.csv` path in the prompt: a quoted one (spaces allowed), else a bare one."""
    match = _QUOTED_CSV.search(prompt) or _BARE_CSV.search(prompt)
    return match.group(1) if match else None


def frame_named(prompt: str, context: str) -> str | None:
    """A context frame the prompt names, else the context's first frame, else a frame-like name in the prompt."""
    frames = [n for n in _CONTEXT_FRAME.findall(context) if usable_name(n)]
    named = [n for n in frames if re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", prompt)]
    if named or frames:
        return (named or frames)[0]
    guesses = [*_BACKTICKED.findall(prompt), *(m.group(1) for m in _FRAME_LIKE.finditer(prompt))]
    return next((n for n in guesses if usable_name(n)), None)


def usable_name(name: str) -> bool:
    """A name the agent may write into code bare: an identifier, no keyword, no builtin it would shadow."""
    return name.isidentifier() and not keyword.iskeyword(name) and not hasattr(builtins, name)


def name_for(path: str) -> str:
    """The variable a CSV is loaded into: its file stem as an identifier (`sales.csv` -> `sales`), else `df`."""
    stem = re.split(r"[/\\]", path)[-1].rsplit(".", 1)[0].lower()
    name = re.sub(r"\W+", "_", stem, flags=re.ASCII).strip("_")[:NAME_CHARS]
    if name and name[0].isdigit():
        name = f"data_{name}"
    return name if usable_name(name) else "df"


def columns_in(text: str) -> dict[str, str]:
    """{column: dtype} from the first line that is a `dtypes.to_dict()` repr; empty when none parses."""
    for line in text[:SCAN_CHARS].splitlines():
        if line.startswith("{") and (columns := _pairs(line)):
            return columns
    return {}


def surveyed(text: str) -> tuple[str | None, dict[str, str]]:
    """The first frame a survey printed (`name (rows, cols) {dtypes}`) that the agent may name, and its columns."""
    for match in _SURVEYED.finditer(text[:SCAN_CHARS]):
        if usable_name(match.group(1)):
            line = text[match.end() - 1 :].split("\n", 1)[0]
            return match.group(1), _pairs(line)
    return None, {}


def _pairs(line: str) -> dict[str, str]:
    parsed = [(_literal(k), _literal(v)) for k, v in _PAIR.findall(line)[:MAX_COLUMNS]]
    return {k: v for k, v in parsed if k is not None and v is not None}


def mentioned(column: str, prompt: str) -> bool:
    """The prompt names the column as a word (case aside, a plural `s` allowed)."""
    word = re.escape(column.lower())
    return bool(column.strip()) and re.search(rf"(?<!\w){word}s?(?!\w)", prompt.lower()) is not None


def is_numeric(dtype: str) -> bool:
    return dtype.startswith(NUMERIC)


def is_textual(dtype: str) -> bool:
    return dtype.startswith(TEXTUAL)


def date_column(columns: dict[str, str]) -> str | None:
    """A column that holds dates: a datetime dtype, else a text column named like a date."""
    dated = [c for c, t in columns.items() if t.startswith("datetime64")]
    named = [c for c, t in columns.items() if is_textual(t) and _DATE_NAME.search(c)]
    return (dated or named or [None])[0]


def _literal(token: str) -> str | None:
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None
