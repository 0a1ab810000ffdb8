"""The release artefacts: `python -m build` makes a wheel and an sdist PyPI accepts, with every file the package needs.

tests/test_fresh_install.py installs this same wheel into a clean venv and runs a notebook on it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "claude_magic"


def test_twine_accepts_the_wheel_and_the_sdist(built_dists) -> None:
    check = [sys.executable, "-m", "twine", "check", "--strict", str(built_dists.wheel), str(built_dists.sdist)]
    result = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_the_wheel_holds_every_file_of_the_package(built_dists) -> None:
    names = set(zipfile.ZipFile(built_dists.wheel).namelist())
    shipped = {name for name in names if name.startswith("claude_magic/")}
    assert shipped == _package_files()
    assert {"claude_magic/py.typed", "claude_magic/ui/stream_view.js", "claude_magic/ui/panel.css"} <= shipped
    assert f"{_dist_info(built_dists.wheel)}/licenses/LICENSE" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_sdist_holds_the_package_licence_and_changelog(built_dists) -> None:
    with tarfile.open(built_dists.sdist) as sdist:
        top, *_ = sdist.getnames()[0].split("/")
        names = {name.removeprefix(f"{top}/") for name in sdist.getnames()}
    assert {"pyproject.toml", "LICENSE", "CHANGELOG.md", "README.md", "PKG-INFO"} <= names
    assert {name for name in names if name.startswith("claude_magic/")} == _package_files()
    assert not [name for name in names if name.startswith((".venv/", "tests/", "build/"))]


def test_the_version_has_one_source(built_dists) -> None:
    version = _source_version()
    assert _metadata(built_dists.wheel)["Version"] == version
    assert built_dists.sdist.name == f"claude_magic-{version}.tar.gz"
    project = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^dynamic = \["version"\]$', project, re.MULTILINE)
    assert not re.search(r"^version\s*=", project, re.MULTILINE)  # [project] names no version of its own
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()


def test_the_metadata_says_licence_typing_and_where_the_project_lives(built_dists) -> None:
    metadata = _metadata(built_dists.wheel)
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    assert "Typing :: Typed" in metadata.get_all("Classifier")
    assert metadata["Requires-Python"] == ">=3.10"
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Changelog", "Issues", "Binder"}
    repo = urls["Homepage"]
    assert all(url.startswith(repo) for name, url in urls.items() if name != "Binder")
    assert urls["Binder"].startswith("https://mybinder.org/v2/gh/" + repo.removeprefix("https://github.com/"))
    assert f"(https://mybinder.org/badge_logo.svg)]({urls['Binder']})" in (ROOT / "README.md").read_text()
    assert metadata["Description-Content-Type"] == "text/markdown"


def _package_files() -> set[str]:
    """Files under claude_magic/ in the tree (bytecode caches aside), as the archives name them."""
    files = (path for path in PACKAGE.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    return {path.relative_to(ROOT).as_posix() for path in files}


def _dist_info(wheel: Path) -> str:
    return "-".join(wheel.name.split("-")[:2]) + ".dist-info"


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        return Parser().parsestr(archive.read(f"{_dist_info(wheel)}/METADATA").decode())


def _source_version() -> str:
    """`__version__` as written in claude_magic/__init__.py, read without importing the package."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__version__"]:
            return ast.literal_eval(node.value)
    raise AssertionError("claude_magic/__init__.py assigns no __version__")
