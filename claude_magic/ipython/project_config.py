"""Settings from `[tool.claude_magic]` in the nearest pyproject.toml: did-you-mean for unknown keys, and the trust rule.

A project file is untrusted input: a cloned repository brings one. Its settings apply, except those that
could start a process, choose where requests and credentials go, add headers, or write outside the
file's folder: those wait until the user runs `%claude trust`, which remembers the file's SHA-256
(trust_store.py); a changed file is untrusted again.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traitlets import HasTraits, TraitError

from ..core.platforms import PLATFORM_SETTINGS

MAX_PROJECT_BYTES = 4 << 20  # a pyproject.toml is a few kB; a larger one is not read
WHERE = "pick where credentials go"
# Settings a project file applies only once trusted, and what they could do.
NEEDS_TRUST = {
    "mcp_servers": "start processes",
    "platform": WHERE,
    **dict.fromkeys(PLATFORM_SETTINGS, WHERE),
    "headers": "add headers",
    "prices": "change what calls cost, which the spend caps count with",
}
# Settings a project file never applies, trusted or not: only the user's own %config in this session sets them.
NEVER_FROM_PROJECT = {"agent_approval": "widen who approves code the kernel runs"}
# Files these settings write (or read): inside the project file's folder they apply, elsewhere they wait.
PATH_SETTINGS = ("autosave", "replay")
OUTSIDE = "write outside its folder"
# Keys of [tool.claude_magic] named for how they read in pyproject.toml: [tool.claude_magic.mcp.NAME].
ALIASES = {"mcp": "mcp_servers"}


@dataclass(frozen=True)
class ProjectFile:
    """One pyproject.toml as read: its resolved path, the bytes read, its [tool.claude_magic]."""

    path: Path
    data: bytes = field(repr=False)
    section: dict[str, Any]

    @property
    def digest(self) -> str:
        """The SHA-256 of the bytes read: what trust is remembered by (hashed only when trust is asked about)."""
        import hashlib

        return hashlib.sha256(self.data).hexdigest()


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml in `start` or a parent directory."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_project(path: Path) -> ProjectFile:
    """`path` read once, so digest and settings come from the same bytes; OSError or ValueError if unreadable."""
    path = path.resolve()
    with path.open("rb") as file:
        data = file.read(MAX_PROJECT_BYTES + 1)
    if len(data) > MAX_PROJECT_BYTES:
        raise ValueError(f"larger than {MAX_PROJECT_BYTES >> 20} MB")
    section = _section(data)
    return ProjectFile(path, data, section if isinstance(section, dict) else {})


def _section(data: bytes) -> Any:
    """The [tool.claude_magic] table of a pyproject.toml's bytes; a file that never names it is not parsed."""
    if b"claude_magic" not in data:  # most projects' files: no TOML parser to load, nothing to apply
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
    tool = tomllib.loads(data.decode("utf-8")).get("tool", {})
    return tool.get("claude_magic", {}) if isinstance(tool, dict) else {}


def read_section(path: Path) -> dict[str, Any]:
    """The `[tool.claude_magic]` table of `path` (empty when absent)."""
    return read_project(path).section


def setting_name(key: str) -> str:
    """The trait a key of [tool.claude_magic] sets."""
    return ALIASES.get(key, key.replace("-", "_"))


def held_back(project: ProjectFile, cwd: Path) -> dict[str, str]:
    """{key: what it could do} for each key of `project` that waits for `%claude trust`."""
    held = {}
    for key, value in project.section.items():
        name = setting_name(key)
        if name in NEEDS_TRUST:
            held[key] = NEEDS_TRUST[name]
        elif name in PATH_SETTINGS and isinstance(value, str) and not _inside(project.path.parent, cwd, value):
            held[key] = OUTSIDE
    return held


def apply_project_config(
    target: HasTraits,
    start: Path,
    *,
    skip: set[str] = frozenset(),  # type: ignore[assignment]
    trust: bool = False,
) -> list[str]:
    """Set `target`'s config traits from the nearest pyproject.toml; one line per problem and one for what waits.

    Keys that need consent apply when `trust` is set or the user trusted this file as it is now.
    """
    path = find_pyproject(start)
    if path is None:
        return []
    try:
        project = read_project(path)
    except (OSError, ValueError) as error:  # tomllib's and UTF-8's decoding errors are ValueErrors
        return [f"could not read {path}: {error}"]
    return apply_project(target, project, skip=skip, trust=trust or _remembered(project))


def _remembered(project: ProjectFile) -> bool:
    """Whether the user trusted this file as it is now; asked only when the file holds something that waits."""
    if not held_back(project, Path.cwd()):
        return False
    from . import trust_store

    return trust_store.is_trusted(project.path, project.digest)


def apply_project(target: HasTraits, project: ProjectFile, *, skip: set[str], trust: bool) -> list[str]:
    """Apply `project` to `target`: everything when trusted, else what needs no consent and one line for the rest."""
    held = {} if trust else {key: why for key, why in held_back(project, Path.cwd()).items() if key not in skip}
    never = [key for key in project.section if setting_name(key) in NEVER_FROM_PROJECT]
    known = target.traits(config=True)
    problems = [
        problem
        for key, value in project.section.items()
        if key not in skip and key not in held and key not in never
        for problem in _apply(target, known, key, value, project.path)
    ]
    problems += [never_line(project.path, key) for key in never]
    return [*problems, held_line(project.path, held)] if held else problems


def never_line(path: Path, key: str) -> str:
    """The one line refusing a key no project file may set, even trusted."""
    name = setting_name(key)
    return (
        f"{_short(path, 60)} sets {name}: never applied from a project file, trusted or not (it would "
        f"{NEVER_FROM_PROJECT[name]}); set it yourself with %config ClaudeMagics.{name}"
    )


def held_line(path: Path, held: dict[str, str], limit: int = 280) -> str:
    """The one line saying which keys of `path` wait for %claude trust, and why (at most `limit` characters)."""
    reasons = list(dict.fromkeys(held.values()))
    why = ", ".join(reasons[:-1]) + (" or " if len(reasons) > 1 else "") + reasons[-1]
    names = sorted({setting_name(key) for key in held})
    for shown in range(len(names), 0, -1):
        more = f" and {len(names) - shown} more" if shown < len(names) else ""
        line = (
            f"{_short(path, 60)} sets {', '.join(names[:shown])}{more}; not applied until you run %claude trust "
            f"(a project file may not {why})"
        )
        if len(line) <= limit:
            break
    return line


def _apply(target: HasTraits, known: dict[str, Any], key: str, value: Any, path: Path) -> list[str]:
    name = setting_name(key)
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "%claude config lists the known keys"
        return [f"unknown key {key!r:.60} in [tool.claude_magic] of {_short(path)} (ignored); {hint}"]
    if name in PATH_SETTINGS and isinstance(value, str):
        value = str(_resolved(Path.cwd(), value))  # the file checked is the file used, wherever the kernel moves
    try:
        setattr(target, name, value)
    except TraitError as error:
        return [f"[tool.claude_magic] {key} in {_short(path, 60)}: {error} (ignored)"]
    return []


def _resolved(cwd: Path, value: Any) -> Path | None:
    """The real file `value` names, relative paths from `cwd`, symlinks and `..` resolved; None when it names none."""
    if not isinstance(value, str):
        return None
    try:
        return (cwd / value).resolve()
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a symlink loop
        return None


def _inside(folder: Path, cwd: Path, value: str) -> bool:
    path = _resolved(cwd, value)
    return path is not None and path.is_relative_to(folder)


def _short(path: Path, width: int = 100) -> str:
    text = str(path)
    return text if len(text) <= width else "…" + text[-(width - 1) :]
