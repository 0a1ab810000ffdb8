"""`%claude trust [--revoke]`: show, apply and remember the project file's settings that need consent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from traitlets import HasTraits

from . import trust_store
from .project_config import ProjectFile, apply_project, find_pyproject, held_back, read_project, setting_name

SHOWN_CHARS = 120  # of one value in the listing: a hostile file's value may be huge or carry control characters


def trust(target: HasTraits, cwd: Path, skip: set[str]) -> list[str]:
    """Apply every setting of the nearest project file and remember its SHA-256; the lines to print."""
    project, problem = _project(cwd)
    if project is None:
        return [problem]
    held = {key: why for key, why in held_back(project, cwd).items() if key not in skip}
    lines = [
        f"claude_magic: trusting {project.path} (sha256 {project.digest[:12]}…); applying:",
        *[f"  {describe(key, project.section[key])}" for key in held],
    ]
    if not held:
        lines = [f"claude_magic: {project.path} sets nothing that needs trust; its settings already apply"]
    lines += [f"claude_magic: {line}" for line in apply_project(target, project, skip=skip, trust=True)]
    try:
        trust_store.remember(project.path, project.digest)
    except OSError as error:
        where = trust_store.store_path()
        lines.append(f"claude_magic: applied for this session, but could not remember it in {where}: {error.strerror}")
    return lines


def revoke(cwd: Path) -> str:
    """Forget the trust of the nearest project file; the line to print."""
    path = find_pyproject(cwd)
    if path is None:
        return _no_project(cwd)
    try:
        forgotten = trust_store.forget(path.resolve())
    except OSError as error:
        return f"claude_magic: could not update {trust_store.store_path()}: {error.strerror or error}"
    if not forgotten:
        return f"claude_magic: {path.resolve()} was not trusted; nothing to forget"
    return (
        f"claude_magic: {path.resolve()} is no longer trusted; what it set stays for this session "
        "(restart the kernel to drop it)"
    )


def describe(key: str, value: Any) -> str:
    """One setting as the trust listing shows it: header values are never shown, MCP servers by their commands."""
    name = setting_name(key)
    if name == "headers" and isinstance(value, dict):
        return f"headers: {', '.join(_shown(header) for header in value)} (values not shown)"
    if name == "mcp_servers" and isinstance(value, dict):
        servers = [f"{_shown(server)} runs {_command(entry)}" for server, entry in value.items()]
        return f"MCP servers: {'; '.join(servers)}"
    return f"{name} = {_shown(value)}"


def _command(entry: Any) -> str:
    if not isinstance(entry, dict):
        return _shown(entry)
    args = entry.get("args") if isinstance(entry.get("args"), list) else []
    return _shown(" ".join(str(part) for part in [entry.get("command"), *args]))


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    text = text.encode("unicode_escape").decode("ascii")  # no control character reaches the terminal
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _project(cwd: Path) -> tuple[ProjectFile | None, str]:
    path = find_pyproject(cwd)
    if path is None:
        return None, _no_project(cwd)
    try:
        project = read_project(path)
    except (OSError, ValueError) as error:
        return None, f"claude_magic: could not read {path}: {error}; nothing was trusted"
    if not project.section:
        return None, f"claude_magic: {project.path} has no [tool.claude_magic] table; nothing to trust"
    return project, ""


def _no_project(cwd: Path) -> str:
    return f"claude_magic: no pyproject.toml in {cwd} or a folder above it; nothing to trust"
