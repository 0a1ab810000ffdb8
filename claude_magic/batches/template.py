"""`{{row.col}}`, `{{row["col name"]}}` and `{{row.Index}}` in a batch prompt, filled per row without eval."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import BatchInputError

INDEX = "Index"  # as in DataFrame.itertuples(): the row's index label
_FIELD = re.compile(r"""\{\{\s*row(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:"([^"]*)"|'([^']*)')\s*\])\s*\}\}""")
_LEFTOVER = re.compile(r"\{\{\s*row\b[^}]*\}\}")


@dataclass(frozen=True)
class RowTemplate:
    """A prompt split into literal text and the row fields between them."""

    literals: tuple[str, ...]  # one more than `fields`
    fields: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the prompt reads (Index excluded), each once, in order of first use."""
        return tuple(dict.fromkeys(f for f in self.fields if f != INDEX))

    def check(self, available: Sequence[Any], frame: str) -> None:
        """BatchInputError naming the first missing column and the ones there are."""
        names = {str(c) for c in available}
        for column in self.columns:
            if column not in names:
                shown = ", ".join(str(c) for c in available) or "none"
                raise BatchInputError(
                    f"the prompt reads {{{{row.{column}}}}} but {frame} has no column {column!r} "
                    f"(columns: {shown}); nothing was sent"
                )

    def fill(self, values: Mapping[str, Any]) -> str:
        """The prompt for one row; `values` maps each field (Index included) to its value."""
        parts = [self.literals[0]]
        for field, literal in zip(self.fields, self.literals[1:], strict=True):
            parts.append(_text(values[field]))
            parts.append(literal)
        return "".join(parts)


def parse_template(prompt: str) -> RowTemplate:
    """The RowTemplate of `prompt`; a `{{row...}}` it cannot read is a BatchInputError."""
    literals, fields, start = [], [], 0
    for match in _FIELD.finditer(prompt):
        literals.append(prompt[start : match.start()])
        fields.append(next(g for g in match.groups() if g is not None))
        start = match.end()
    literals.append(prompt[start:])
    for literal in literals:
        bad = _LEFTOVER.search(literal)
        if bad:
            raise BatchInputError(
                f"cannot read {bad.group(0)} in the prompt: write {{{{row.column}}}}, {{{{row['column name']}}}} "
                "or {{row.Index}}; nothing was sent"
            )
    return RowTemplate(tuple(literals), tuple(fields))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)
