"""What Binder builds from binder/: a fresh venv from its files, then every command through `binder/start`.

repo2docker's steps for a requirements.txt repository: `pip install -r binder/requirements.txt` from the
repository root (postBuild would come next; binder/ has none), then `binder/start CMD` for each process.
The venv uses this machine's Python; binder/runtime.txt names the minor version Binder uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
START = BINDER / "start"
FAKE_KEY = "sk-ant-test-binder-0000"


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ directory of a new venv with binder/requirements.txt installed, as repo2docker would."""
    env_dir = tmp_path_factory.mktemp("binder") / "venv"
    venv.create(env_dir, with_pip=True)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(BINDER / "requirements.txt")], cwd=ROOT, check=True, timeout=1800)
    return env_dir / "bin"


def start(bin_dir: Path, *command: str, key: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`binder/start COMMAND`, run to success with the venv first on PATH, as in the Binder image."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_MAGIC_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    if key is not None:
        env["ANTHROPIC_API_KEY"] = key
    result = subprocess.run([str(START), *command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def environment(bin_dir: Path, key: str | None = None) -> dict[str, str]:
    lines = start(bin_dir, "env", key=key).stdout.splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_binder_holds_only_the_files_repo2docker_reads() -> None:
    assert sorted(path.name for path in BINDER.iterdir()) == ["requirements.txt", "runtime.txt", "start"]
    assert os.access(START, os.X_OK)
    minor = (BINDER / "runtime.txt").read_text().strip()
    assert minor == f"python-{sys.version_info.major}.{sys.version_info.minor}"  # this test's Python is Binder's


def test_without_a_key_the_simulator_is_on_and_paced(binder_env: Path) -> None:
    seen = environment(binder_env)
    assert seen["CLAUDE_MAGIC_SIMULATE"] == "1"
    assert seen["CLAUDE_MAGIC_SIM_TPS"] == "100"
    assert seen["PATH"].startswith(str(binder_env))


def test_an_empty_key_counts_as_none(binder_env: Path) -> None:
    assert environment(binder_env, key="")["CLAUDE_MAGIC_SIMULATE"] == "1"


def test_with_a_key_the_simulator_stays_off(binder_env: Path) -> None:
    seen = environment(binder_env, key=FAKE_KEY)
    assert "CLAUDE_MAGIC_SIMULATE" not in seen
    assert "CLAUDE_MAGIC_SIM_TPS" not in seen


def test_jupyterlab_the_widget_front_end_and_the_package_are_installed(binder_env: Path) -> None:
    probe = "import jupyterlab, claude_magic, pypdf, mcp; print(jupyterlab.__version__, claude_magic.__file__)"
    lab_version, package = start(binder_env, "python", "-c", probe, cwd=binder_env).stdout.split()
    assert lab_version.startswith("4.")
    assert Path(package).is_relative_to(binder_env.parent)  # installed into the venv, not read from the tree
    extensions = start(binder_env, "jupyter", "labextension", "list").stderr  # where Jupyter writes the list
    enabled = [line.split()[0] for line in extensions.splitlines() if "enabled" in line and "OK" in line]
    assert {"@jupyter-widgets/jupyterlab-manager", "anywidget"} <= set(enabled)  # the panel renders in Lab


def test_the_quickstart_runs_on_the_simulator_without_a_key(binder_env: Path, tmp_path: Path) -> None:
    executed = tmp_path / "01_quickstart.ipynb"
    convert = ["jupyter", "nbconvert", "--to", "notebook", "--execute", "--output", str(executed)]
    start(binder_env, *convert, str(ROOT / "notebooks" / "01_quickstart.ipynb"), cwd=tmp_path)
    outputs = [output for cell in nbformat.read(executed, as_version=4).cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.output_type == "error"]
    html = "".join(output.get("data", {}).get("text/html", "") for output in outputs)
    assert "Simulated reply" in html and "data-state='done'>done<" in html
