"""A real InteractiveShell (history off) with ClaudeMagics bound to a test session."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

from claude_magic.ipython.magics import ClaudeMagics
from claude_magic.ipython.transform import protect_question_marks


@pytest.fixture(scope="session")
def shell():
    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


@pytest.fixture
def magics(shell, session):
    saved = shell.config.pop("ClaudeMagics", None)  # %config values of earlier tests live on the shared shell
    magics = ClaudeMagics(shell=shell, session=session)
    shell.register_magics(magics)
    shell.configurables.append(magics)
    shell.input_transformers_cleanup.append(protect_question_marks)
    yield magics
    while magics in shell.configurables:  # Magics.__init__ appends itself too
        shell.configurables.remove(magics)
    shell.input_transformers_cleanup.remove(protect_question_marks)
    shell.config.pop("ClaudeMagics", None)
    if saved is not None:
        shell.config.ClaudeMagics = saved


@pytest.fixture
def run(shell, magics):
    """Run a cell; return (result, captured output)."""

    def run_cell(source: str):
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=False)
        return result, captured

    return run_cell
