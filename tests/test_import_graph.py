"""The import graph of claude_magic, computed with ast: no circles, ui between its users and what it draws, one face.

Every import counts: module level, inside functions (lazy) and under TYPE_CHECKING alike,
because a lazy import still ties two modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import claude_magic

ROOT = Path(claude_magic.__file__).parent
PACKAGE = "claude_magic"
# What views are drawn on: these layers hand views events and records, and never import ui/ themselves.
BELOW_UI = ("core", "_edge", "batches", "tools", "_transcripts", "_attach", "_audit_shape")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in ROOT.rglob("*.py")}


def imported_modules(name: str, path: Path) -> set[str]:
    """The claude_magic modules `name` imports (a `from X import y` counts X.y when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, path, node)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


def _absolute(name: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = package[: len(package) - node.level + 1]
    return ".".join([*package, *([node.module] if node.module else [])])


GRAPH = {name: imported_modules(name, path) for name, path in MODULES.items()}


def unresolved_imports(name: str, path: Path) -> list[str]:
    """Each `from X import ...` of claude_magic in `name` whose X is no module (a lazy one fails only when run)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(PACKAGE)):
            base = _absolute(name, path, node)
            if base not in MODULES:
                found.append(f"line {node.lineno}: {base}")
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path of module names, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_is_read_from_the_sources():
    assert "claude_magic.core.stream" in GRAPH["claude_magic._edge.call"]
    assert "claude_magic.core.events" in GRAPH["claude_magic.ui.panel"]
    assert "claude_magic.ipython.commands" in GRAPH["claude_magic.ipython.magics"]  # a lazy import counts


def test_find_cycle_sees_a_circle_and_a_clean_graph():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_every_import_of_the_package_names_a_module():
    unresolved = {name: found for name, path in MODULES.items() if (found := unresolved_imports(name, path))}
    assert unresolved == {}


def test_no_import_circles():
    assert find_cycle(GRAPH) is None


def test_ui_imports_neither_session_nor_ipython():
    for name, targets in GRAPH.items():
        if name.startswith(f"{PACKAGE}.ui"):
            bad = {t for t in targets if t.startswith((f"{PACKAGE}.ipython", f"{PACKAGE}._session"))}
            assert not bad, f"{name} imports {bad}"


def test_nothing_below_ui_imports_ui():
    for name, targets in GRAPH.items():
        if name.split(".")[1:2] and name.split(".")[1] in BELOW_UI:
            assert not {t for t in targets if t.startswith(f"{PACKAGE}.ui")}, name


def test_only_the_package_face_imports_the_package_face():
    importers = {name for name, targets in GRAPH.items() if PACKAGE in targets}
    assert importers == set()


def test_core_imports_nothing_above_core():
    for name, targets in GRAPH.items():
        if name.startswith(f"{PACKAGE}.core"):
            assert all(t.startswith(f"{PACKAGE}.core") for t in targets), name


def test_no_public_function_shadows_a_module():
    public = set(claude_magic.__all__)
    submodules = {name.split(".")[1] for name in MODULES if name.count(".") >= 1}
    assert public & submodules == set()


def test_the_package_face_is_pinned():
    assert sorted(claude_magic.__all__) == [
        "AttachmentError",
        "CallInterrupted",
        "ClaudeMagicError",
        "MissingKeyError",
        "Reply",
        "RequestFailed",
        "Session",
        "Settings",
        "SettingsError",
        "StreamFailed",
        "TranscriptFileError",
        "__version__",
        "load_ipython_extension",
        "session",
        "settings_panel",
        "unload_ipython_extension",
    ]
    assert all(hasattr(claude_magic, name) for name in claude_magic.__all__)
