"""The simulator is an independent witness: it may read core.models as data, and imports no other claude_magic code."""

from __future__ import annotations

import ast
from pathlib import Path

import claude_magic.simulator as simulator

SOURCES = Path(simulator.__file__).parent
ALLOWED = ("claude_magic.simulator", "claude_magic.core.models")


def absolute(node: ast.ImportFrom, module: str) -> str:
    """The absolute module an `ImportFrom` in `claude_magic.simulator.<module>` names."""
    if node.level == 0:
        return node.module or ""
    base = f"claude_magic.simulator.{module}".split(".")[: -node.level]
    return ".".join([*base, *([node.module] if node.module else [])])


def imported(path: Path) -> list[str]:
    """Every name a source file imports, absolute (`from ..core import tokens` is `claude_magic.core.tokens`)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = absolute(node, path.stem)
            names += [f"{target}.{alias.name}" for alias in node.names]
    return names


def is_allowed(name: str) -> bool:
    if not (name == "claude_magic" or name.startswith("claude_magic.")):
        return True
    return any(name == ok or name.startswith(ok + ".") for ok in ALLOWED)


def test_every_module_imports_only_the_model_table_from_claude_magic():
    offending = {path.name: [n for n in imported(path) if not is_allowed(n)] for path in SOURCES.glob("*.py")}
    assert {name: bad for name, bad in offending.items() if bad} == {}


def test_the_checker_catches_a_forbidden_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from ..core.caching import LOOKBACK\nfrom ..core import tokens\nimport claude_magic.session\n")
    assert [n for n in imported(probe) if not is_allowed(n)] == [
        "claude_magic.core.caching.LOOKBACK",
        "claude_magic.core.tokens",
        "claude_magic.session",
    ]
    probe.write_text("from ..core.models import REGISTRY\nfrom .cache import PromptCache\nimport json\n")
    assert [n for n in imported(probe) if not is_allowed(n)] == []
