"""core/platform_registry.py: one entry per platform is all a new platform needs, and nothing else names one."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import fields, replace
from pathlib import Path

import pytest

from claude_magic.core.errors import PlatformError
from claude_magic.core.platform_models import listed_ids, platform_model_id
from claude_magic.core.platform_registry import REGISTRY, Platform
from claude_magic.core.platforms import (
    PLATFORM_SETTINGS,
    PlatformConfig,
    check_batches,
    check_request,
    error_context,
    install_hint,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "claude_magic"
# Where a platform may be named: its entry, its builder, and the simulator's own routes.
MAY_NAME_PLATFORMS = {"core/platform_registry.py", "_edge/platform_clients.py"}


def test_every_platform_setting_is_read_by_an_entry_and_every_entry_setting_is_a_field():
    read = {name for entry in REGISTRY.values() for name in entry.settings}
    assert read == set(PLATFORM_SETTINGS) == {spec.name for spec in fields(PlatformConfig)} - {"name"}


def test_each_setting_belongs_to_one_platform():
    owners = [name for entry in REGISTRY.values() for name in entry.settings]
    assert len(owners) == len(set(owners))


def test_every_extra_is_in_pyproject():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert all(entry.extra in extras for entry in REGISTRY.values() if entry.extra)


def test_the_claude_api_refuses_nothing_and_needs_no_builder():
    entry = REGISTRY[PlatformConfig().name]
    assert not entry.cloud and entry.model_ids is None and entry.batches and entry.count_tokens
    assert error_context(entry.name, 401) is None


def _added(monkeypatch: pytest.MonkeyPatch) -> Platform:
    """A platform added as one entry: Vertex AI's facts under another name, with no server tools."""
    entry = replace(
        REGISTRY["vertex"], name="nimbus", label="Nimbus", extra="nimbus", server_tools=frozenset(), builder="nimbus"
    )
    monkeypatch.setitem(REGISTRY, "nimbus", entry)
    return entry


def test_an_added_entry_is_a_platform_every_check_reads(monkeypatch):
    _added(monkeypatch)
    config = PlatformConfig("nimbus", vertex_region="us-east5")
    assert (config.label, config.cloud) == ("Nimbus", True)
    search = {"messages": [], "tools": [{"type": "web_search_20260209", "name": "web_search"}]}
    with pytest.raises(PlatformError, match=r"^Nimbus does not run the web_search server tool"):
        check_request("nimbus", search)
    with pytest.raises(PlatformError, match=r"^Nimbus has no Message Batches API"):
        check_batches("nimbus")
    assert install_hint("nimbus", ["google.auth"]) == 'Nimbus needs google.auth: pip install "claude-magic[nimbus]"'
    assert error_context("nimbus", 404)[0] == "Nimbus"


def test_an_added_entry_maps_its_model_ids(monkeypatch):
    entry = _added(monkeypatch)
    assert platform_model_id("nimbus", "claude-sonnet-4-5") == "claude-sonnet-4-5@20250929"
    with pytest.raises(PlatformError, match="is not served on Nimbus"):
        platform_model_id("nimbus", "claude-mythos-preview")
    monkeypatch.setitem(REGISTRY, "nimbus", replace(entry, model_ids=None))
    assert platform_model_id("nimbus", "claude-mythos-preview") == "claude-mythos-preview"
    assert listed_ids("vertex")["claude-opus-4-5"] == "claude-opus-4-5@20251101"


def test_an_unknown_platform_is_one_line_listing_the_known_ones():
    with pytest.raises(PlatformError, match="platform 'nimbus' is not one of anthropic, bedrock, vertex, foundry"):
        PlatformConfig("nimbus")


def _named_platforms(tree: ast.AST) -> list[str]:
    """Platform names compared against (`name == "foundry"`, `in ("bedrock", ...)`) in one module."""
    names = set(REGISTRY)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                for value in ast.walk(side):
                    if isinstance(value, ast.Constant) and value.value in names:
                        found.append(f"line {node.lineno}: {value.value!r}")
    return found


def test_no_module_branches_on_a_platform_name():
    branching = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in MAY_NAME_PLATFORMS or relative.startswith("simulator/"):
            continue
        found = _named_platforms(ast.parse(path.read_text()))
        if found:
            branching[relative] = found
    assert branching == {}, f"read the platform's registry entry instead: {branching}"


def test_the_branch_finder_sees_a_branch():
    assert _named_platforms(ast.parse('if platform.name == "foundry":\n    pass')) == ["line 1: 'foundry'"]
    assert _named_platforms(ast.parse('x = name in ("bedrock", "vertex")')) == ["line 1: 'bedrock'", "line 1: 'vertex'"]


def test_location_rules_come_from_the_entries():
    from claude_magic.core.platforms import LOCATION_RULES

    assert {name: rule for entry in REGISTRY.values() for name, rule in entry.settings.items()} == LOCATION_RULES
    assert all(isinstance(pattern, re.Pattern) for pattern, _ in LOCATION_RULES.values())
