"""A real InteractiveShell (history off) for the agent's code to run in, matplotlib drawing off-screen."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


@pytest.fixture(scope="session")
def shell():
    import matplotlib

    matplotlib.use("Agg")
    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)
