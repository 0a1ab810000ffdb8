"""Shared fixtures: SSE fixture files read by the real SDK, the simulator, test clients, the built wheel and sdist."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


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


@dataclass(frozen=True)
class Dists:
    wheel: Path
    sdist: Path


@pytest.fixture(scope="session")
def built_dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The wheel and sdist `python -m build` makes: the sdist from the tree, then the wheel from the sdist.

    `--no-isolation` uses the test venv's hatchling (the test extra), so no build env is downloaded.
    """
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Dists(wheel=wheel, sdist=sdist)
