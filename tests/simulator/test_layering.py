"""The simulator's public surface and its layer rule: stdlib plus claude_magic.core only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import claude_magic.simulator as simulator

SOURCES = Path(simulator.__file__).parent
HEAVY = ("anthropic", "IPython", "pandas", "ipywidgets", "matplotlib", "httpx2")


def test_public_names():
    assert sorted(simulator.__all__) == [
        "BatchOutcome",
        "BatchScript",
        "RecordedRequest",
        "ScriptedError",
        "ScriptedReply",
        "Simulator",
    ]


def test_sources_import_only_stdlib_core_and_themselves():
    # jsonschema: the JSON Schema standard's own meta-schema check, as the API applies it; no code of ours.
    allowed = set(sys.stdlib_module_names) | {"__future__", "jsonschema"}
    for path in SOURCES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert all(alias.name.split(".")[0] in allowed for alias in node.names), path.name
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    assert (node.module or "").split(".")[0] in allowed, (path.name, node.module)
                elif node.level == 2:
                    assert (node.module or "").startswith("core"), (path.name, node.module)


def test_importing_the_simulator_loads_nothing_heavy():
    probe = f"import sys, claude_magic.simulator\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=SOURCES.parents[1]
    )
    assert out.stdout.split() == []
