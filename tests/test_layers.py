"""Layer rules: core is stdlib-only, and %load_ext imports nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import claude_magic

HEAVY = ("IPython", "ipywidgets", "matplotlib", "pandas", "anthropic")
ROOT = Path(claude_magic.__file__).parent


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_core_loads_nothing_heavy():
    assert (
        loaded_after(
            "import claude_magic.core, "
            + ", ".join(f"claude_magic.core.{p.stem}" for p in (ROOT / "core").glob("*.py") if p.stem != "__init__")
        )
        == set()
    )


def test_load_ext_loads_no_sdk_pandas_matplotlib_or_widgets():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'claude_magic')\n"
        "assert 'claude' in ip.magics_manager.magics['cell']\n"
    )
    assert loaded_after(code) == {"IPython"}


def test_load_ext_leaves_what_the_first_cell_needs_for_that_cell(tmp_path):
    # benchmarks/load_ext.py: each of these is milliseconds that %load_ext does not pay.
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'someone-elses'\n")
    deferred = (
        "claude_magic._planning",  # request planning
        "claude_magic.core.render",  # the HTML sanitiser
        "claude_magic.ipython.options",  # the option parser and its help text
        "tomllib",  # a project file that never names claude_magic is not parsed
        "hashlib",  # nor hashed for trust
    )
    # Only what %load_ext itself imports counts: IPython 8.12 (the lowest allowed) imports hashlib on its own.
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "before = set(sys.modules)\n"
        "shell.run_line_magic('load_ext', 'claude_magic')\n"
        f"print(' '.join(name for name in {deferred!r} if name in set(sys.modules) - before))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.split() == []


def test_load_ext_warms_the_first_cell_up_in_the_background():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance().run_line_magic('load_ext', 'claude_magic')\n"
        "from claude_magic.ipython.extension import WARMED\n"
        "assert WARMED.wait(60)\n"
    )
    assert loaded_after("import sys\n" + code) >= {"anthropic", "ipywidgets"}


def test_core_sources_import_only_stdlib_and_core():
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    for path in (ROOT / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_ui_never_imports_session_or_ipython_layer():
    for path in (ROOT / "ui").glob("*.py"):
        source = path.read_text()
        assert "session" not in {n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)}
        assert "from ..ipython" not in source and "from ..session" not in source, path.name


def test_binder_start_simulates_only_without_a_key(tmp_path):
    start = ROOT.parent / "binder" / "start"
    show = "import os; print(os.environ.get('CLAUDE_MAGIC_SIMULATE'), os.environ.get('CLAUDE_MAGIC_SIM_TPS'))"
    probe = [str(start), sys.executable, "-c", show]
    env = {"PATH": "/usr/bin:/bin"}
    assert subprocess.run(probe, env=env, capture_output=True, text=True).stdout.split() == ["1", "100"]
    keyed = subprocess.run(probe, env={**env, "ANTHROPIC_API_KEY": "k"}, capture_output=True, text=True)
    assert keyed.stdout.split() == ["None", "None"]
