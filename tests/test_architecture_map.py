"""The map matches the house: ARCHITECTURE.md names every module, the top level is private, SDK calls stay at the edge.

Each rule is read from the sources with ast or from the map's text, never from the code under test.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import claude_magic

PACKAGE = Path(claude_magic.__file__).parent
REPO = PACKAGE.parent
MAP = REPO / "ARCHITECTURE.md"
# The face and the `python -m claude_magic.X` entry points are the only public top-level modules.
PUBLIC_TOP_LEVEL = {"__init__", "audit", "demo"}
# Where the SDK's client methods may be called: the network edge and the batch runner.
SDK_CALLERS = ("_edge/", "batches/")
# An SDK call is a resource followed by one of its methods (`client.messages.create`, `client.beta.<any>`).
SDK_RESOURCES: dict[str, set[str] | None] = {
    "messages": {"create", "stream", "parse", "count_tokens", "batches"},
    "batches": {"create", "retrieve", "list", "cancel", "delete", "results"},
    "models": {"list", "retrieve"},
    "completions": {"create"},
    "beta": None,
}
INDEX_HEADING = "## Every module"
PATH = re.compile(r"(?<![\w./-])((?:[A-Za-z_]\w*/)+)(\w+)?(\.\w+)?")
SOURCE_SUFFIXES = {".py", ".js", ".css"}
# Files the map names by a pattern (`notebooks/NN_topic.ipynb`), not modules: not checked here.
OTHER_SUFFIXES = {".ipynb", ".jsonl", ".json", ".md", ".toml", ".txt", ".yml", ".yaml", ".html", ".png"}
BARE_MODULE = re.compile(r"(?<![\w/.-])(\w+)\.py\b")


def sdk_calls(source: str) -> list[str]:
    """Each SDK resource-and-method chain in `source`, as 'line N: resource.method'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            methods = SDK_RESOURCES.get(node.value.attr, set())
            if methods is None or node.attr in (methods or ()):
                found.append(f"line {node.lineno}: {node.value.attr}.{node.attr}")
    return found


def modules() -> set[str]:
    """Every module and package as a path below the package: 'core/stream.py', 'core/', the face '__init__.py'."""
    files = (path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py" or path.parent == PACKAGE)
    found = {path.relative_to(PACKAGE).as_posix() for path in files}
    return found | {f"{path.parent.relative_to(PACKAGE).as_posix()}/" for path in PACKAGE.rglob("*/__init__.py")}


def index_entries(text: str) -> set[str]:
    """The modules the index names: a bullet opening **`pkg/`** lists its `name.py`s; other bullets the top level."""
    section = text.split(INDEX_HEADING, 1)[1].split("\n## ", 1)[0]
    found: set[str] = set()
    for bullet in re.findall(r"^- (.+(?:\n  .+)*)", section, flags=re.MULTILINE):
        head = re.match(r"\*\*`(\w+/)`\*\*", bullet)
        folder = head.group(1) if head else ""
        found |= {folder, *(f"{folder}{name}.py" for name in BARE_MODULE.findall(bullet))}
    return found - {""}


def code(text: str) -> str:
    """The map's code: fenced blocks and `inline spans`, where it names files (prose says 'I/O' and 'and/or')."""
    fenced = re.findall(r"```.*?```", text, flags=re.DOTALL)
    rest = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return "\n".join([*fenced, *re.findall(r"`[^`\n]+`", rest)])


def named_paths(text: str) -> set[str]:
    """Every path with a folder the map names in code ('core/stream.py', 'ipython/bindings' of `bindings.X`, 'ui/')."""
    found = set()
    for folder, name, suffix in (match.groups(default="") for match in PATH.finditer(code(text))):
        if suffix not in OTHER_SUFFIXES:
            found.add(folder + name + (suffix if suffix in SOURCE_SUFFIXES else ""))
    return found


def python_files() -> set[str]:
    """The stems of every Python file of the package, its tests and its benchmarks."""
    return {path.stem for folder in ("claude_magic", "tests", "benchmarks") for path in (REPO / folder).rglob("*.py")}


def missing(path: str) -> bool:
    """True when `path` (below the package, or below the repository for tests/, benchmarks/, ...) does not exist."""
    for base in (PACKAGE, REPO):
        target = base / path
        if target.exists() or (not target.suffix and target.with_suffix(".py").exists()):
            return False
    return True


def test_the_checks_see_what_they_look_for():
    assert sdk_calls("client.messages.stream(**r)\nc.beta.files.list()\njob.batches\nchat.messages") == [
        "line 1: messages.stream",
        "line 2: beta.files",
    ]
    sample = (
        f"`core/stream.py`, `ipython/bindings.BINDINGS`, `notebooks/NN.ipynb`, I/O\n{INDEX_HEADING}\n"
        "- **`ui/`** views: `panel.py`,\n  `plain.py`\n- `_session.py`: the conversation\n"
    )
    assert index_entries(sample) == {"ui/", "ui/panel.py", "ui/plain.py", "_session.py"}
    assert named_paths(sample) == {"core/stream.py", "ipython/bindings", "ui/"}
    assert missing("core/nowhere.py") and not missing("core/stream.py") and not missing("tests/core/")


def test_sdk_calls_happen_only_in_the_network_edge_and_batches():
    calls = {
        path.relative_to(PACKAGE).as_posix(): sdk_calls(path.read_text())
        for path in PACKAGE.rglob("*.py")
        if not path.relative_to(PACKAGE).as_posix().startswith(SDK_CALLERS)
    }
    assert {name: found for name, found in calls.items() if found} == {}


def test_every_top_level_module_but_the_face_and_the_entry_points_is_private():
    public = {path.stem for path in PACKAGE.glob("*.py") if not path.stem.startswith("_")}
    assert public | {"__init__"} == PUBLIC_TOP_LEVEL


def test_every_module_named_in_the_map_exists():
    text = MAP.read_text()
    assert sorted(path for path in named_paths(text) if missing(path)) == []
    assert sorted(set(BARE_MODULE.findall(code(text))) - python_files()) == []


def test_every_module_is_in_the_maps_index():
    assert sorted(modules() - index_entries(MAP.read_text())) == []
    assert sorted(index_entries(MAP.read_text()) - modules()) == []
