"""The built wheel, with no extras, in a fresh virtualenv is enough for the panel, the dashboard and exports.

The wheel is the one `python -m build` makes (tests/test_package_build.py checks its files), so this is
the smoke test of what PyPI would serve. The notebook side brings ipykernel (as any Jupyter does);
nothing else is installed by hand. A real kernel running the fresh venv's Python executes the cells.
"""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

CELLS = [
    "%load_ext claude_magic\nimport claude_magic, sys\nprint([m for m in ('pandas', 'anthropic') if m in sys.modules])",
    "%%claude\nSay hello.",
    "claude_magic.session().usage.plot()",
    "claude_magic.session().transcript.to_dataframe()[['role', 'text']]",
    "from importlib.metadata import version\n"
    "usage = claude_magic.session().usage.to_dataframe()\n"
    "print(len(usage), version('claude-magic') == claude_magic.__version__, claude_magic.__file__)",
]


@pytest.fixture(scope="module")
def fresh_kernel(tmp_path_factory: pytest.TempPathFactory, built_dists) -> str:
    """A kernelspec whose Python is a new venv with only `pip install <wheel> ipykernel` in it."""
    where = tmp_path_factory.mktemp("fresh")
    env_dir = where / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(built_dists.wheel), "ipykernel"], check=True, timeout=900)
    spec_dir = where / "share" / "jupyter" / "kernels" / "fresh"
    spec_dir.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "fresh", "language": "python"}))
    return str(where / "share" / "jupyter")


def test_no_extras_runs_the_panel_dashboard_and_exports(fresh_kernel: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", fresh_kernel)
    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    NotebookClient(nb, timeout=120, kernel_name="fresh", resources={"metadata": {"path": str(tmp_path)}}).execute()
    loaded, asked, plotted, frame, exported = (cell.outputs for cell in nb.cells)
    assert _text(loaded) == "[]\n"  # %load_ext imported neither pandas nor the SDK
    shown = [o for o in asked if o.output_type in ("display_data", "update_display_data") and any(o.data.values())]
    final = shown[-1]  # outputs a plain-output reply used and emptied when it settled show nothing
    assert "Simulated reply" in final.data["text/html"] and "data-state='done'>done<" in final.data["text/html"]
    assert "class='claude-reply" in final.data["text/html"]  # the settled widget panel (the plain view writes Markdown)
    assert plotted[0].data["image/png"]
    assert "Say hello." in frame[0].data["text/html"]
    rows, same_version, location = _text(exported).split()
    assert (rows, same_version) == ("1", "True")  # one ledger row for the one call; metadata matches __version__
    assert Path(location).is_relative_to(Path(fresh_kernel).parents[1] / "venv")  # the wheel's copy, not the tree


def _text(outputs: list) -> str:
    return "".join(o.text for o in outputs if o.output_type == "stream")


def test_the_fresh_venv_has_no_optional_extra(fresh_kernel: str) -> None:
    python = Path(fresh_kernel).parents[1] / "venv" / "bin" / "python"
    probe = "import importlib.util as u; print(u.find_spec('pypdf') is None, u.find_spec('ipywidgets') is not None)"
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True, env=os.environ)
    assert out.stdout.split() == ["True", "True"]
