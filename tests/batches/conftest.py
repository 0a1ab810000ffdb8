"""A real IPython shell with ClaudeMagics on a simulator session, run in a temporary directory (batch job files)."""

from __future__ import annotations

import pytest

from tests.ipython.conftest import magics, run, shell  # noqa: F401  (pytest finds fixtures by name)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
