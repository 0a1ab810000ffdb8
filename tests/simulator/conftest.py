"""Fixtures: one started Simulator per test module (reset per test) and an SDK client."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import pytest

from claude_magic.simulator import Simulator


@pytest.fixture(scope="module")
def running_sim() -> Iterator[Simulator]:
    with Simulator() as sim:
        yield sim


@pytest.fixture
def sim(running_sim: Simulator) -> Simulator:
    running_sim.reset()
    return running_sim


@pytest.fixture
def client(sim: Simulator) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=0)
