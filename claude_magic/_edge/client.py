"""The network edge: which SDK client requests go through (real API, simulator, replay or injected), and model listing.

The SDK does SSE parsing, retries, backoff and timeouts; nothing here re-implements them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.errors import MissingKeyError, RequestFailed
from ..core.models import REGISTRY, ModelInfo, lookup
from ..core.platform_registry import CLAUDE_API
from ..core.platform_registry import REGISTRY as PLATFORM_REGISTRY
from ..core.platforms import PlatformConfig, missing_extra
from .network_policy import Announce, NetworkPolicy, prepare_client

if TYPE_CHECKING:
    import anthropic

    from ..simulator import Simulator

SIMULATE_ENV = "CLAUDE_MAGIC_SIMULATE"
SIMULATED_KEY = "sk-simulated"
REPLAY_ENV = "CLAUDE_MAGIC_REPLAY"
REPLAY_MODE_ENV = "CLAUDE_MAGIC_REPLAY_MODE"

Notify = Callable[[str, str], None]
# The SDK's platform clients, by class name (sync and async), for a client given to use_client().
INJECTED_PLATFORMS = {
    f"{prefix}{entry.sdk_class}": entry.name
    for entry in PLATFORM_REGISTRY.values()
    if entry.sdk_class
    for prefix in ("", "Async")
}


def simulate_from_env() -> bool:
    """True when CLAUDE_MAGIC_SIMULATE asks for the simulator."""
    return os.environ.get(SIMULATE_ENV, "") not in ("", "0", "false")


class Connection:
    """Builds the SDK client on first use and rebuilds it when simulate or replay changes; an injected one stays."""

    def __init__(self, client: Any = None, notify: Notify | None = None) -> None:
        self.replay: str | None = os.environ.get(REPLAY_ENV) or None
        self.replay_mode = os.environ.get(REPLAY_MODE_ENV) or "auto"
        self._client = client
        self._injected = client is not None
        self._masked: Any = None  # the client whose credentials the SDK's log records mask (log_mask.py)
        self._simulate = simulate_from_env()
        self._simulator: Simulator | None = None
        self._creating = threading.RLock()  # first use may come from several threads at once (batch --sync rows)
        self._notify: Notify = notify or (lambda key, message: None)
        self.policy = NetworkPolicy()
        self.platform = PlatformConfig()

    @property
    def routed(self) -> PlatformConfig:
        """The platform requests really go through: the setting, or an injected client's own platform."""
        if not self._injected:
            return self.platform
        name = INJECTED_PLATFORMS.get(type(self._client).__name__, CLAUDE_API.name)
        return PlatformConfig(name, aws_region=getattr(self._client, "aws_region", None))

    def use_platform(self, platform: PlatformConfig) -> None:
        """Send later requests through `platform`'s SDK client (Bedrock, Vertex AI, Foundry) or the Claude API."""
        if platform != self.platform:
            self.platform = platform
            self._drop_default_client()

    @property
    def client(self) -> anthropic.Anthropic:
        """The SDK client, created on first use (the simulator's when simulating)."""
        with self._creating:
            if self._client is None:
                self._client = self._make_client()
            if self._client is not self._masked:
                from .log_mask import mask_client_logs

                mask_client_logs(self._client)
                self._masked = self._client
            return self._client

    def use_client(self, client: Any) -> None:
        """Send every later request through `client` (e.g. AnthropicBedrock, AnthropicVertex)."""
        self._client, self._injected = client, True

    @property
    def simulate(self) -> bool:
        """True when requests go to the built-in simulator instead of the real API."""
        return self._simulate

    @simulate.setter
    def simulate(self, on: bool) -> None:
        if bool(on) != self._simulate:
            self._simulate = bool(on)
            self._drop_default_client()

    @property
    def simulator(self) -> Simulator:
        """The in-process simulator, started on first use."""
        with self._creating:
            if self._simulator is None:
                from ..simulator import Simulator

                self._simulator = Simulator().start()
            return self._simulator

    def use_replay(self, path: str | None, mode: str = "auto") -> None:
        """Record replies to, or replay them from, `path` (None turns it off); see _edge/replay.py."""
        if (path, mode) != (self.replay, self.replay_mode):
            self.replay, self.replay_mode = path, mode
            self._drop_default_client()

    def configure_network(self, **changes: Any) -> NetworkPolicy:
        """Change timeout, max_retries, retry_on_timeout or max_retry_wait; invalid values raise SettingsError."""
        self.policy = self.policy.with_changes(**changes)
        return self.policy

    def close(self) -> None:
        """Stop the simulator, if one was started."""
        if self._simulator is not None:
            self._simulator.stop()
            self._simulator = None

    def api(self, announce: Announce | None = None) -> Any:
        """The client every request goes through, with the session's timeout, retries and retry-after cap applied.

        Counting, batches and model listing use it as it is; a streamed call (`call.py`) applies the
        same `prepare_client` to the client it is given (a --sync gate may wrap it first).
        """
        return prepare_client(self.client, self.policy, announce or _silent)

    def models(self) -> list[ModelInfo]:
        """Models from `client.models.list()` when the API answers, else the registry; a platform's own served list."""
        served = self.routed.entry.model_ids
        if served is not None:
            return [info for info in REGISTRY if info.id in served]
        try:
            listed = list(self.api().models.list(limit=100))
        except Exception:  # no key, offline, or a client without the Models API: the registry will do
            return list(REGISTRY)
        return [model_info(model) for model in listed] or list(REGISTRY)

    def platform_ids(self) -> dict[str, str]:
        """Claude API id -> the platform's model id, for the cloud platform in use (empty on the Claude API)."""
        from ..core.platform_models import listed_ids

        platform = self.routed
        return listed_ids(platform.name, platform.aws_region) if platform.cloud else {}

    def _drop_default_client(self) -> None:
        """Forget the client we made, so the next request builds one for the new mode."""
        if not self._injected:
            self._client = None

    def _make_client(self) -> anthropic.Anthropic:
        import anthropic

        if self.platform.cloud:
            return self._platform_client()
        extra = self._replay_options()
        if "base_url" in extra:
            return anthropic.Anthropic(**extra)
        if self._simulate:
            self._notify("simulator", "using the built-in simulator: replies are simulated, no model is called")
            return anthropic.Anthropic(api_key=SIMULATED_KEY, base_url=self.simulator.url, **extra)
        return _real_client(extra)

    def _platform_client(self) -> Any:
        """The SDK's own client for the platform: pointed at the simulator with fake credentials when simulating."""
        hint = missing_extra(self.platform.name, importable)
        if hint is not None:
            raise RequestFailed(hint)
        if self.replay:  # replay.py records through the Claude API client's base URL only
            self._notify("replay:platform", f"replay and recording are off on {self.platform.label}")
        if self._simulate:
            self._notify(f"simulator:{self.platform.name}", f"using the built-in simulator as {self.platform.label}")
            from .platform_clients import simulated_platform_client

            return simulated_platform_client(self.platform, self.simulator.url)
        from .platform_clients import real_platform_client

        return real_platform_client(self.platform)

    def _replay_options(self) -> dict[str, Any]:
        if not self.replay:
            return {}
        from .replay import client_options

        return client_options(self.replay, self.replay_mode, warn=self._notify)


def _silent(status: str) -> None:
    """Retries of requests that have no panel to show them on go unannounced."""


def importable(module: str) -> bool:
    """True when `module` can be imported; a missing parent package ("google" of google.auth) is False, not an error."""
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):  # find_spec imports the parents; ValueError: a module whose __spec__ is None
        return False


def _real_client(options: dict[str, Any]) -> anthropic.Anthropic:
    import anthropic

    try:
        client = anthropic.Anthropic(**options)
    except anthropic.CredentialsError as error:
        raise RequestFailed(f"Could not load Anthropic credentials: {error}. Set ANTHROPIC_API_KEY instead.") from None
    if client.api_key is None and client.auth_token is None and getattr(client, "_token_cache", None) is None:
        raise MissingKeyError()
    return client


def model_info(model: Any) -> ModelInfo:
    """A ModelInfo for one Models API entry; the registry fills what the API does not say."""
    known = lookup(model.id)
    if known is not None and known.id == model.id:
        return known
    types = getattr(getattr(getattr(model, "capabilities", None), "thinking", None), "types", None)
    modes = {name for name, mode in (types.to_dict() if types else {}).items() if mode.get("supported")}
    return ModelInfo(
        model.id,
        getattr(model, "display_name", model.id),
        known.prices if known else None,
        getattr(model, "max_input_tokens", None) or (known.context_window if known else 0),
        getattr(model, "max_tokens", None) or (known.max_output if known else 128_000),
        frozenset(modes) or (known.thinking_modes if known else frozenset()),
        known.thinks_by_default if known else False,
        known.min_cache_tokens if known else 0,
    )
