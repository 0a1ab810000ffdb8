"""Run a notebook headless in a real kernel and write it as HTML (`make demo`).

Uses the real API when ANTHROPIC_API_KEY is set, otherwise the built-in simulator.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ._edge.client import REPLAY_ENV, REPLAY_MODE_ENV, SIMULATE_ENV

PACE_ENV = "CLAUDE_MAGIC_SIM_TPS"
MODEL_PACE = "100"  # tokens a second


def recording_for(notebook: Path) -> Path:
    """Where a notebook's shipped recording lives: notebooks/_replay/<stem>.jsonl."""
    return notebook.parent / "_replay" / f"{notebook.stem}.jsonl"


def choose_backend(environ: dict[str, str], recording: Path | None = None) -> str:
    """Without a key: replay `recording` if it exists, else (and for misses) the simulator; a one-line notice."""
    if environ.get("ANTHROPIC_API_KEY") or environ.get("ANTHROPIC_AUTH_TOKEN"):
        return "Using the real Anthropic API (ANTHROPIC_API_KEY is set)."
    environ[SIMULATE_ENV] = "1"
    environ.setdefault(PACE_ENV, MODEL_PACE)  # stream at a model's pace, as a reader would see it
    if recording is not None and recording.exists():
        environ[REPLAY_ENV], environ[REPLAY_MODE_ENV] = str(recording), "auto"
        return f"No ANTHROPIC_API_KEY: replaying {recording}; anything not recorded goes to the built-in simulator."
    return "No ANTHROPIC_API_KEY: running offline against the built-in simulator."


def run(notebook: Path, html: Path, timeout_s: int = 600) -> None:
    """Execute `notebook` top to bottom and write the executed copy as `html`."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(
        nb, timeout=timeout_s, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
    ).execute()
    body, _ = HTMLExporter().from_notebook_node(nb)
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("html", type=Path)
    args = parser.parse_args(argv)
    print(choose_backend(os.environ, recording_for(args.notebook)), flush=True)
    run(args.notebook, args.html)
    print(f"Wrote {args.html}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
