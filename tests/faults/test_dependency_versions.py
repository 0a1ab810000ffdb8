"""What must hold on the newest release of every dependency and on the lowest versions pyproject allows.

A connection cut while a reply streams is one line saying the connection broke, whichever way the SDK
reports the cut (anthropic 2.12.0 lets httpx2's error escape its stream iterator; 2.17.0 wraps it in
APIConnectionError). The lowest set itself is constraints/lowest.txt, derived from pyproject's lower bounds,
and CI runs the suite on it as well as on the newest releases.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from claude_magic.core.errors import RequestFailed, StreamFailed
from claude_magic.simulator import ScriptedReply
from tests.faults import wire
from tests.faults.test_network import TEXT, fails, is_delta, is_event, wired

if sys.version_info >= (3, 11):
    import tomllib
else:  # pyproject's own requirement on 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[2]
LOWEST = ROOT / "constraints" / "lowest.txt"
# Pinned above our own bound because a requirement of the tested set needs more (read from lowest.txt's
# `# via` lines); a runtime install without the [mcp] extra may still take our lower bound.
FORCED_HIGHER = {"pydantic": "mcp", "jsonschema": "mcp"}


# -- a cut stream, on any SDK version --------------------------------------------------------


@pytest.mark.parametrize("reset", [False, True], ids=["clean close", "reset"])
def test_a_cut_inside_the_text_says_the_connection_broke(sim, reset):
    with wired(sim, wire.forward(), wire.cut_stream(is_delta("text_delta"), reset=reset)) as (session, _):
        session.ask("kept")
        sim.queue(TEXT)
        error = fails(session, StreamFailed)
    assert error.message.startswith("The reply stopped early: ") and "re-run the cell" in error.message
    assert "Could not reach the API" not in error.message
    if reset:
        assert "The connection to the API broke" in error.message


def test_a_reset_after_message_start_says_the_connection_broke(sim):
    with wired(sim, wire.forward(), wire.cut_stream(is_event("message_start"), reset=True)) as (session, _):
        session.ask("kept")
        sim.queue(TEXT)
        error = fails(session, RequestFailed)
    assert error.message.startswith("The connection to the API broke (") and "Could not reach" not in error.message


def test_the_simulators_drop_keeps_the_partial_text_and_no_half_turn(session, sim):
    sim.queue(ScriptedReply(text="abcdefghij" * 20, drop_after_chars=57, chunk_chars=10))
    error = fails(session, StreamFailed)
    assert error.partial is not None and error.partial.text == ("abcdefghij" * 6)[:57]
    assert "The connection to the API broke" in error.message


def test_a_drop_before_the_headers_still_says_the_api_was_not_reached(sim):
    with wired(sim, wire.stall(0)) as (session, _):
        error = fails(session)
    assert error.message.startswith("Could not reach the API (")


# -- the lowest set -----------------------------------------------------------------------------


def _direct_requirements() -> list[Requirement]:
    """Runtime and test requirements, the package's own extras expanded, for this Python."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found: list[Requirement] = []
    pending, seen = [*project["dependencies"], *project["optional-dependencies"]["test"]], {"test"}
    while pending:
        requirement = Requirement(pending.pop())
        if canonicalize_name(requirement.name) != "claude-magic":
            found.append(requirement)
        for extra in requirement.extras - seen if canonicalize_name(requirement.name) == "claude-magic" else ():
            seen.add(extra)
            pending.extend(project["optional-dependencies"][extra])
    return [r for r in found if r.marker is None or r.marker.evaluate()]


def _pins() -> dict[str, tuple[Version, str]]:
    """Each pinned name in constraints/lowest.txt: its version and the `# via` comment that follows it."""
    text = LOWEST.read_text()
    pattern = r"^([A-Za-z0-9_.\-]+)==(\S+)\n((?:    #.*\n)*)"
    return {canonicalize_name(m[1]): (Version(m[2]), m[3]) for m in re.finditer(pattern, text, re.MULTILINE)}


def test_every_direct_requirement_is_pinned_at_its_lower_bound():
    pins, wrong = _pins(), []
    for requirement in _direct_requirements():
        name = canonicalize_name(requirement.name)
        lows = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
        assert lows, f"{requirement} has no lower bound"
        pinned, via = pins.get(name, (None, ""))
        forced = name in FORCED_HIGHER and f"#   {FORCED_HIGHER[name]}\n" in via
        if pinned is None or not requirement.specifier.contains(pinned) or (pinned != lows[0] and not forced):
            wrong.append(f"{requirement}: {pinned}")
    assert not wrong, f"constraints/lowest.txt is stale (run `make lowest-constraints`): {wrong}"


def test_ci_runs_the_newest_and_the_lowest_sets():
    steps = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert {"make test", "make e2e", "make test-lowest"} <= set(steps)
    dry = subprocess.run(["make", "-n", "-B", "test-lowest"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "-c constraints/lowest.txt" in dry.stdout and "-m pytest -q" in dry.stdout
    assert "python3.11 -m venv .venv-lowest" in dry.stdout  # the set is resolved for Python 3.11
