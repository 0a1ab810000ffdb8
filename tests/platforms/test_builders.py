"""_edge/platform_clients.BUILDERS: each registry entry's builder makes the SDK's own client, which routes back to it.

Real parts: the SDK's real platform clients, built offline (the simulated builders need no network).
"""

from __future__ import annotations

import anthropic
import pytest

from claude_magic._edge.client import Connection
from claude_magic._edge.log_mask import CREDENTIALS
from claude_magic._edge.platform_clients import BUILDERS, simulated_platform_client
from claude_magic.core.platform_registry import REGISTRY
from claude_magic.core.platforms import PlatformConfig

CLOUD = [entry for entry in REGISTRY.values() if entry.cloud]


def test_every_builder_is_named_by_one_entry_and_every_entry_has_its_builder():
    assert sorted(entry.builder or "" for entry in CLOUD) == sorted(BUILDERS)


@pytest.mark.parametrize("entry", CLOUD, ids=lambda entry: entry.name)
def test_the_simulated_builder_makes_the_entrys_sdk_class(entry):
    client = simulated_platform_client(PlatformConfig(entry.name), "http://127.0.0.1:9")
    assert type(client) is getattr(anthropic, entry.sdk_class)
    assert hasattr(anthropic, f"Async{entry.sdk_class}")


@pytest.mark.parametrize("entry", CLOUD, ids=lambda entry: entry.name)
def test_a_client_of_the_entrys_class_routes_to_it(entry):
    connection = Connection(simulated_platform_client(PlatformConfig(entry.name), "http://127.0.0.1:9"))
    assert connection.routed.name == entry.name


@pytest.mark.parametrize("entry", CLOUD, ids=lambda entry: entry.name)
def test_the_entrys_secrets_are_its_clients_attributes_and_are_masked(entry):
    client = simulated_platform_client(PlatformConfig(entry.name), "http://127.0.0.1:9")
    assert entry.secrets and all(hasattr(client, name) for name in entry.secrets)
    assert set(entry.secrets) <= set(CREDENTIALS)


def test_the_claude_api_has_no_platform_client():
    from claude_magic.core.errors import RequestFailed

    with pytest.raises(RequestFailed, match="the Claude API has no platform client"):
        simulated_platform_client(PlatformConfig(), "http://127.0.0.1:9")
