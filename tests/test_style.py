"""The style rules CI enforces: ruff clean everywhere, mypy strict on core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)


def test_ruff_clean():
    result = run("ruff", "check", "claude_magic", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout


def test_mypy_strict_on_core():
    result = run("mypy")
    assert result.returncode == 0, result.stdout


def test_every_module_states_its_job():
    for path in (ROOT / "claude_magic").rglob("*.py"):
        source = path.read_text()
        assert source.lstrip().startswith('"""'), f"{path.relative_to(ROOT)} has no docstring"
