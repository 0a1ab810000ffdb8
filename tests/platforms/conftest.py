"""A real IPython shell whose ClaudeMagics sends through a cloud platform's SDK client to the session's simulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

from claude_magic import Session
from claude_magic.ipython.magics import ClaudeMagics

PLATFORMS = ("bedrock", "vertex", "foundry")


@pytest.fixture(scope="session")
def shell() -> InteractiveShell:
    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


@pytest.fixture
def session() -> Iterator[Session]:
    session = Session()
    yield session
    session.close()


@pytest.fixture
def magics(shell: InteractiveShell, session: Session) -> Iterator[ClaudeMagics]:
    saved = shell.config.pop("ClaudeMagics", None)  # %config values of other tests live on the shell's config
    magics = ClaudeMagics(shell=shell, session=session)
    shell.register_magics(magics)
    yield magics
    while magics in shell.configurables:
        shell.configurables.remove(magics)
    shell.config.pop("ClaudeMagics", None)
    if saved is not None:
        shell.config.ClaudeMagics = saved


@pytest.fixture
def run(shell: InteractiveShell, magics: ClaudeMagics) -> Callable[[str], tuple[Any, Any]]:
    """Run a cell; return (result, captured output)."""

    def run_cell(source: str) -> tuple[Any, Any]:
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=False)
        return result, captured

    return run_cell


@pytest.fixture
def on_platform(run: Callable[[str], tuple[Any, Any]]) -> Callable[[str], None]:
    """Switch the magics to simulate through `platform`'s real SDK client."""

    def choose(platform: str) -> None:
        result, _ = run(f"%config ClaudeMagics.simulate = True\n%config ClaudeMagics.platform = {platform!r}")
        assert result.success

    return choose
