"""Shared fixtures: SSE fixture files read by the real SDK over loopback, the simulator, and test clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def sdk_stream_events(name: str) -> Iterator[Any]:
    """The events `client.messages.stream()` yields for the SSE fixture `name`, served over loopback to the real SDK."""
    import anthropic

    from tests.recorded.fixtures import serve_recorded

    with serve_recorded(FIXTURES / "sse" / name) as url:
        client = anthropic.Anthropic(base_url=url, api_key="sk-test", max_retries=0)
        request = {"model": "claude-sonnet-5-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
        with client.messages.stream(**request) as stream:
            events = list(stream)
    return iter(events)


@pytest.fixture
def stream_events():
    return sdk_stream_events


TEST_KEY = "sk-ant-test-SECRET-never-shown-0123456789"


@pytest.fixture(scope="session")
def simulator():
    from claude_magic.simulator import Simulator

    with Simulator() as sim:
        yield sim


@pytest.fixture
def sim(simulator):
    simulator.reset()
    yield simulator
    simulator.reset()


@pytest.fixture
def make_client(sim):
    import anthropic

    def make(**options: Any) -> anthropic.Anthropic:
        options.setdefault("max_retries", 0)
        return anthropic.Anthropic(base_url=sim.url, api_key=TEST_KEY, **options)

    return make


@pytest.fixture
def session(make_client):
    from claude_magic import Session

    return Session(client=make_client())
