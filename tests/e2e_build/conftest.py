"""Environments built from scratch the way a host would (Binder): slow and on the network, so `make e2e` runs them.

How to run: `make e2e`, or `.venv/bin/pytest tests/e2e_build -q`. A plain `pytest` / `make test` skips
collecting this directory.
"""

from __future__ import annotations

from pathlib import Path

from tests.named_only import collected_only_when_named

# Collected only when a command-line path points into tests/e2e_build.
pytest_ignore_collect = collected_only_when_named(Path(__file__).resolve().parent)
