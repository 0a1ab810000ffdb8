"""Shared fixtures: SSE fixture files run through the real SDK's stream accumulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def sdk_stream_events(name: str) -> Iterator[Any]:
    """The events `client.messages.stream()` yields for the SSE fixture `name`, via the SDK's own code."""
    from anthropic._models import construct_type
    from anthropic._streaming import SSEDecoder
    from anthropic.lib.streaming._messages import accumulate_event, build_events
    from anthropic.types import RawMessageStreamEvent

    raw = (FIXTURES / "sse" / name).read_bytes()
    snapshot, json_bufs = None, {}
    for sse in SSEDecoder().iter_bytes(iter([raw])):
        if sse.event == "ping":
            continue
        event = construct_type(type_=RawMessageStreamEvent, value=json.loads(sse.data))
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=json_bufs)
        yield from build_events(event=event, message_snapshot=snapshot)


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
