"""Load and unload the extension: register ClaudeMagics and the display hooks with the shell."""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .context_watch import NotebookWatcher
from .magics import ClaudeMagics
from .project_config import apply_project_config
from .transform import await_confirming_cells, protect_question_marks

if TYPE_CHECKING:
    from .._session import Session


def load(shell: Any, session: Session) -> None:
    """Register the magics bound to `session`, make `%config ClaudeMagics` work, and show figures as PNG."""
    magics = ClaudeMagics(shell=shell, session=session)
    load_project_config(magics, shell)
    show_figures_as_png(shell)
    warm_up_later()
    shell.register_magics(magics)
    if magics not in shell.configurables:
        shell.configurables.append(magics)
    if protect_question_marks not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(protect_question_marks)
    if await_confirming_cells not in shell.input_transformers_post:
        shell.input_transformers_post.append(await_confirming_cells)
    shell.events.register("post_run_cell", magics.last_error.record)
    magics.watcher = NotebookWatcher(shell)  # the notebook context: the cells as they run, each chat's "since"
    magics.watcher.register()


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
    if magics is not None and magics.watcher is not None:
        magics.watcher.unregister()
    if protect_question_marks in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(protect_question_marks)
    if await_confirming_cells in shell.input_transformers_post:
        shell.input_transformers_post.remove(await_confirming_cells)


# Imported on a first %%claude; done in the background once %load_ext has returned, so the first
# reply shows in well under a second (benchmarks/streaming.py) while %load_ext itself stays cheap.
WARM_UP_MODULES = ("anthropic", "claude_magic._edge.call", "claude_magic.ui.panel", "claude_magic.core.content")
WARM_UP_DELAY_S = 0.5
WARMED = threading.Event()  # set once the warm-up has run


def warm_up_later(delay_s: float = WARM_UP_DELAY_S) -> threading.Timer:
    """Import what a first %%claude needs on a daemon thread, after `delay_s`; failures are left for that cell."""
    timer = threading.Timer(delay_s, _warm_up)
    timer.daemon = True
    timer.start()
    return timer


def _warm_up() -> None:
    try:
        for name in WARM_UP_MODULES:
            importlib.import_module(name)
    except Exception:  # a missing part fails again, with its own one-line message, when a cell uses it
        pass
    finally:
        WARMED.set()


def show_figures_as_png(shell: Any) -> None:
    """Let a bare matplotlib Figure (e.g. `session().usage.plot()`) display as PNG, without importing matplotlib now."""
    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type_by_name("matplotlib.figure", "Figure", _figure_png)


def _figure_png(figure: Any) -> bytes:
    from ..ui.dashboard import figure_png

    return figure_png(figure)


def settings_panel() -> Any:
    """The settings panel of the running IPython's %load_ext claude_magic."""
    from IPython import get_ipython

    from ..core.errors import ClaudeMagicError

    shell = get_ipython()
    magics = shell.magics_manager.registry.get(ClaudeMagics.__name__) if shell else None
    if magics is None:
        raise ClaudeMagicError("claude_magic is not loaded: run %load_ext claude_magic first")
    return magics.settings_panel()
