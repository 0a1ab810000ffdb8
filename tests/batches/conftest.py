"""A real IPython shell with ClaudeMagics on a simulator session, run in a temporary directory (batch job files)."""

from __future__ import annotations

import pytest

from tests.ipython.conftest import magics, run, shell  # noqa: F401  (pytest finds fixtures by name)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Job files go to a fresh directory; background pollers stop before the next test resets the simulator."""
    from claude_magic.batches.poll import stop_all

    monkeypatch.chdir(tmp_path)
    yield tmp_path
    stop_all()
