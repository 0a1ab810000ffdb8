"""Settings from `[tool.claude_magic]` in the nearest pyproject.toml, with did-you-mean for unknown keys."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

from traitlets import HasTraits, TraitError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml in `start` or a parent directory."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_section(path: Path) -> dict[str, Any]:
    """The `[tool.claude_magic]` table of `path` (empty when absent)."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    section = data.get("tool", {}).get("claude_magic", {})
    return section if isinstance(section, dict) else {}


def apply_project_config(target: HasTraits, start: Path, *, skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Set `target`'s config traits from the nearest pyproject.toml; return one warning line per problem."""
    path = find_pyproject(start)
    if path is None:
        return []
    try:
        section = read_section(path)
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [f"could not read {path}: {error}"]
    known = target.traits(config=True)
    return [
        problem
        for key, value in section.items()
        if key not in skip
        for problem in _apply(target, known, key, value, path)
    ]


# Keys of [tool.claude_magic] named for how they read in pyproject.toml: [tool.claude_magic.mcp.NAME].
ALIASES = {"mcp": "mcp_servers"}


def _apply(target: HasTraits, known: dict[str, Any], key: str, value: Any, path: Path) -> list[str]:
    name = ALIASES.get(key, key.replace("-", "_"))
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
        return [f"unknown key {key!r} in [tool.claude_magic] of {path}{hint}"]
    try:
        setattr(target, name, value)
    except TraitError as error:
        return [f"[tool.claude_magic] {key} in {path}: {error} (ignored)"]
    return []
