"""The notebook as context: its items (cells run, variables), their masking, the token budget and the text sent.

`make_items` turns what changed into masked items with token counts; `plan` selects within the budget
(`select`: the items the cell's text mentions first, then the newest) and renders the one text block
(`render`) that goes before the cell's text. The text is deterministic for the same items, so it can
stay verbatim in the chat's history, behind the prompt cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .defaults import DEFAULT_CONTEXT_TOKENS as DEFAULT_CONTEXT_TOKENS
from .errors import SettingsError
from .masking import MASK, Secrets, mask_text
from .tokens import estimate_tokens

MAX_CONTEXT_TOKENS = 50_000  # a project file may set the budget: it may not make every cell costly
MAX_EXCLUDE_PATTERNS, MAX_PATTERN_CHARS = 200, 200
ItemKind = Literal["cell", "variable", "removed"]
OPEN, CLOSE = "<notebook_context>", "</notebook_context>"
_OUR_TAGS = re.compile(r"<(?=/?(?:notebook_context|cell|source|output|error|figures|variables)\b)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_REFERENCE = re.compile(r"(?:\bIn\s*\[\s*|\bcell\s*\[?\s*)(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class CellError:
    """An exception a cell raised: its type, message, and the frames of the user's own cells."""

    type: str
    message: str
    frames: tuple[str, ...] = ()


@dataclass(frozen=True)
class CellRun:
    """A cell as the user saw it: source, text outputs, error and figures (named, never as images)."""

    number: int | None
    source: str
    outputs: tuple[str, ...] = ()
    error: CellError | None = None
    figures: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"In [{self.number}]" if self.number is not None else "cell"


@dataclass(frozen=True)
class Variable:
    """A variable that is new or changed: its name, type and structure summary (never its bulk data)."""

    name: str
    type: str
    summary: str
    change: Literal["new", "changed"] = "new"


@dataclass(frozen=True)
class ContextItem:
    """One piece of the context as sent: already masked, with its estimated tokens."""

    kind: ItemKind
    name: str
    text: str
    tokens: int
    masked: tuple[str, ...] = ()  # labels of what was masked in it
    order: int = 0  # position in the notebook's time: higher is newer
    mentions: frozenset[str] = frozenset()  # names that make it wanted when the cell's text mentions one
    errors: int = 0


@dataclass(frozen=True)
class ContextPlan:
    """What a cell adds: the text, the items kept and omitted, what was masked; the integration surface."""

    text: str = ""
    items: tuple[ContextItem, ...] = ()
    omitted: tuple[ContextItem, ...] = ()
    masked: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # shown only in the preview, never sent
    tokens: int = 0

    @property
    def summary_line(self) -> str:
        return summary_line(self.items, self.omitted, self.tokens)

    def provenance(self) -> dict[str, Any]:
        """Names and token counts of what was sent, never values: for the output's metadata."""
        return {
            "tokens": self.tokens,
            "items": [
                {"kind": i.kind, "name": i.name, "tokens": i.tokens, "masked": bool(i.masked)} for i in self.items
            ],
            "omitted": [item.name for item in self.omitted],
            "masked": len(self.masked),
        }

    def preview(self) -> str:
        """What `%claude context` shows: the summary, the items with their tokens, then the exact text."""
        return preview(self)


def check_context_tokens(value: int, name: str = "context_tokens") -> int:
    """The context budget, 1 to MAX_CONTEXT_TOKENS; another value is one SettingsError line."""
    if not 1 <= value <= MAX_CONTEXT_TOKENS:
        raise SettingsError(
            f"{name} must be 1 to {MAX_CONTEXT_TOKENS:,} tokens, not {value}; to send none, use context off"
        )
    return int(value)


def check_exclude(patterns: Iterable[str], name: str = "context_exclude") -> tuple[str, ...]:
    """`context_exclude`: non-empty fnmatch patterns of names, at most MAX_EXCLUDE_PATTERNS of them."""
    kept = tuple(patterns)
    if len(kept) > MAX_EXCLUDE_PATTERNS:
        raise SettingsError(f"{name} takes at most {MAX_EXCLUDE_PATTERNS} patterns, not {len(kept)}")
    for pattern in kept:
        if not pattern.strip() or len(pattern) > MAX_PATTERN_CHARS or not pattern.isprintable():
            shown = pattern[:40].encode("unicode_escape").decode()
            raise SettingsError(
                f"{name}: {shown!r} is not a name pattern; use names or fnmatch patterns such as 'raw_*' "
                f"(printable, 1 to {MAX_PATTERN_CHARS} characters)"
            )
    return kept


def make_items(
    cells: Iterable[CellRun], variables: Iterable[Variable], removed: Iterable[str], secrets: Secrets
) -> list[ContextItem]:
    """The masked items: cells oldest first, then variables by name, then the removed names."""
    items = [_item("cell", c.name, cell_text(c), secrets, order, _cell_mentions(c)) for order, c in enumerate(cells)]
    for variable in sorted(variables, key=lambda v: v.name):
        items.append(_item("variable", variable.name, variable_text(variable), secrets, len(items), {variable.name}))
    gone = sorted(removed)
    if gone:
        text = "removed: " + ", ".join(gone)
        items.append(_item("removed", "removed variables", text, secrets, len(items), set(gone)))
    return items


def _item(kind: ItemKind, name: str, text: str, secrets: Secrets, order: int, mentions: set[str]) -> ContextItem:
    clean, labels = mask_text(text, secrets)
    if kind == "variable" and MASK in text:  # masked by the name rule when it was summarised
        labels = tuple(sorted({*labels, name}))
    errors = int(kind == "cell" and "\n<error>\n" in text)
    return ContextItem(kind, name, clean, estimate_tokens(clean), labels, order, frozenset(mentions), errors)


def _cell_mentions(cell: CellRun) -> set[str]:
    names = {f"#cell{cell.number}"} if cell.number is not None else set()
    return names | set(_IDENTIFIER.findall(cell.source))


def cell_text(cell: CellRun) -> str:
    """A cell's text form: source, outputs, error and figures in tags (our own tags in them are escaped)."""
    parts = [f'<cell n="{cell.number if cell.number is not None else "?"}">', _tag("source", cell.source)]
    parts += [_tag("output", output) for output in cell.outputs if output.strip()]
    if cell.error is not None:
        error = cell.error
        parts.append(_tag("error", "\n".join([f"{error.type}: {error.message}".rstrip(": "), *error.frames])))
    if cell.figures:
        parts.append(_tag("figures", ", ".join(cell.figures)))
    return "\n".join([*parts, "</cell>"])


def _tag(name: str, body: str) -> str:
    body = _OUR_TAGS.sub("<\\\\", body.strip("\n"))
    return f"<{name}>\n{body}\n</{name}>"


def variable_text(variable: Variable) -> str:
    """One line: `name: summary (new)`."""
    return _OUR_TAGS.sub("<\\\\", f"{variable.name}: {variable.summary} ({variable.change})")


def is_context_block(block: Any) -> bool:
    """True for the user turn's notebook context block (a text block this module rendered)."""
    return isinstance(block, dict) and block.get("type") == "text" and str(block.get("text", "")).startswith(OPEN)


def mentioned_names(cell_text: str) -> frozenset[str]:
    """Identifiers in the cell's text, and `#cellN` for each `In [N]` or `cell N` it refers to."""
    cells = {f"#cell{number}" for number in _CELL_REFERENCE.findall(cell_text)}
    return frozenset(_IDENTIFIER.findall(cell_text)) | cells


def select(
    items: Iterable[ContextItem], budget_tokens: int, mentioned: Iterable[str] = ()
) -> tuple[list[ContextItem], list[ContextItem]]:
    """(kept, omitted), both in the items' order: mentioned items first, then the newest, while the text fits."""
    ordered = sorted(items, key=lambda item: item.order)
    wanted = set(mentioned)
    ranked = sorted(ordered, key=lambda item: (not (item.mentions & wanted), -item.order))
    budget_chars = budget_tokens * 4  # core/tokens.py counts ceil(chars / 4)
    chars = len(render([], ordered, ()))
    kept: list[ContextItem] = []
    for item in ranked:
        grows = _added_chars(item, kept)
        if chars + grows <= budget_chars:
            kept.append(item)
            chars += grows
    while kept and estimate_tokens(render(*_split(ordered, kept), _labels(kept))) > budget_tokens:
        kept.pop()  # the estimate above is close; the rendered text is what counts
    return _split(ordered, kept)


def _added_chars(item: ContextItem, kept: list[ContextItem]) -> int:
    """How much keeping `item` adds: its text and line, less its name in the omitted line."""
    opens_block = item.kind != "cell" and all(i.kind == "cell" for i in kept)
    return len(item.text) + 1 + (len("<variables>\n</variables>\n") if opens_block else 0) - len(_label(item)) - 2


def _labels(items: Iterable[ContextItem]) -> tuple[str, ...]:
    return tuple(sorted({label for item in items for label in item.masked}))


def _split(ordered: list[ContextItem], kept: list[ContextItem]) -> tuple[list[ContextItem], list[ContextItem]]:
    chosen = {id(item) for item in kept}
    return [i for i in ordered if id(i) in chosen], [i for i in ordered if id(i) not in chosen]


def render(
    kept: Iterable[ContextItem], omitted: Iterable[ContextItem], masked: Iterable[str], *, first: bool = False
) -> str:
    """The exact block sent before the cell's text; empty when nothing is kept or omitted."""
    kept, omitted = list(kept), list(omitted)
    if not kept and not omitted:
        return ""
    when = "so far" if first else "since the previous prompt"
    lines = [OPEN, f"What the user ran and saw in the notebook {when}. Values that look like secrets are {MASK_WORD}."]
    lines += [item.text for item in kept if item.kind == "cell"]
    variables = [item.text for item in kept if item.kind != "cell"]
    if variables:
        lines += ["<variables>", *variables, "</variables>"]
    if omitted:
        lines.append("Left out to fit the context budget: " + ", ".join(_label(item) for item in omitted))
    labels = sorted(set(masked))
    if labels:
        lines.append("Masked: " + ", ".join(labels))
    return "\n".join([*lines, CLOSE])


MASK_WORD = "masked"


def _label(item: ContextItem) -> str:
    return item.name if item.kind != "variable" else f"variable {item.name}"


def summary_line(items: Iterable[ContextItem], omitted: Iterable[ContextItem], tokens: int) -> str:
    """`context: 3 cells, 2 variables, 1 error · 412 tokens` (and `· 2 omitted` when some were left out)."""
    items, omitted = list(items), list(omitted)
    counts = (
        (sum(i.kind == "cell" for i in items), "cell"),
        (sum(i.kind == "variable" for i in items), "variable"),
        (sum(i.errors for i in items), "error"),
    )
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n]
    if any(i.kind == "removed" for i in items) and not parts:
        parts.append("variables removed")
    if not parts and not omitted:
        return "context: nothing new"
    line = f"context: {', '.join(parts) or 'nothing kept'} · {tokens:,} tokens"
    return f"{line} · {len(omitted)} omitted" if omitted else line


def plan(
    items: list[ContextItem],
    budget_tokens: int,
    cell_text: str,
    *,
    first: bool = False,
    excluded: tuple[str, ...] = (),
) -> ContextPlan:
    """Select within the budget and render: the plan for one cell."""
    kept, omitted = select(items, budget_tokens, mentioned_names(cell_text))
    sent_labels = _labels(kept)
    text = render(kept, omitted, sent_labels, first=first)
    return ContextPlan(text, tuple(kept), tuple(omitted), sent_labels, excluded, estimate_tokens(text) if text else 0)


def preview(plan: ContextPlan) -> str:
    """The summary line, one line per item with its tokens, what was masked and excluded, then the text."""
    lines = [plan.summary_line]
    lines += [f"  {_label(i):<40} {i.tokens:>6,} tokens{'  (values masked)' if i.masked else ''}" for i in plan.items]
    lines += [f"  omitted: {_label(i):<31} {i.tokens:>6,} tokens" for i in plan.omitted]
    if plan.masked:
        lines.append("  masked: " + ", ".join(plan.masked))
    if plan.excluded:
        lines.append("  excluded by context_exclude (never sent): " + ", ".join(plan.excluded))
    if plan.text:
        lines += ["", plan.text]
    return "\n".join(lines)
