"""Test directories that are collected only when a command-line path points into them (`make e2e` names them).

A plain `pytest` / `make test` then never imports their heavy dependencies or builds their environments.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

IgnoreCollect = Callable[[Path, pytest.Config], "bool | None"]


def collected_only_when_named(directory: Path) -> IgnoreCollect:
    """A `pytest_ignore_collect` hook for a conftest.py in `directory`."""

    def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
        base = config.invocation_params.dir
        for arg in config.args:
            target = (base / arg.split("::")[0]).resolve()
            if target == directory or directory in target.parents:
                return None
        return True

    return pytest_ignore_collect
