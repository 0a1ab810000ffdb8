"""Load and unload the extension: register ClaudeMagics with the shell."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .magics import ClaudeMagics
from .project_config import apply_project_config
from .transform import protect_question_marks


def load(shell: Any) -> None:
    """Register the magics and make `%config ClaudeMagics` work."""
    magics = ClaudeMagics(shell=shell)
    load_project_config(magics, shell)
    shell.register_magics(magics)
    if magics not in shell.configurables:
        shell.configurables.append(magics)
    if protect_question_marks not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(protect_question_marks)
    shell.events.register("post_run_cell", magics.last_error.record)


def load_project_config(magics: ClaudeMagics, shell: Any) -> None:
    """Apply [tool.claude_magic] from the nearest pyproject.toml; ipython_config.py values win."""
    from_ipython_config = set(shell.config.get("ClaudeMagics", {}))
    for problem in apply_project_config(magics, Path.cwd(), skip=from_ipython_config):
        print(f"claude_magic: {problem}", file=sys.stderr)


def unload(shell: Any) -> None:
    """Remove the magics registered by `load`."""
    registry = shell.magics_manager.registry
    magics = registry.pop(ClaudeMagics.__name__, None)
    for kind in ("line", "cell"):
        shell.magics_manager.magics[kind].pop("claude", None)
    if magics in shell.configurables:
        shell.configurables.remove(magics)
    if magics is not None and magics.last_error.record in shell.events.callbacks["post_run_cell"]:
        shell.events.unregister("post_run_cell", magics.last_error.record)
    if protect_question_marks in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(protect_question_marks)
