"""The platform setting (`PlatformConfig`) and the checks every platform's registry entry drives, before sending.

What each platform takes, refuses and needs is its entry in core/platform_registry.py; nothing here
names a platform. Every check runs before anything is sent and fails as one line naming the platform.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .errors import PlatformError
from .platform_registry import CLAUDE_API, REGISTRY, SERVER_TOOL_KINDS, Platform, Rule

PLATFORMS = tuple(REGISTRY)
# What each setting that the SDK pastes into a host or URL path may be: the rules of the platforms that read it.
LOCATION_RULES: dict[str, Rule] = {name: rule for entry in REGISTRY.values() for name, rule in entry.settings.items()}
CREDENTIAL_HINTS: dict[str, str] = {
    kind: hint for entry in REGISTRY.values() for kind, hint in entry.credential_hints.items()
}


def check_location(name: str, value: Any, source: str | None = None) -> str | None:
    """`value` when it is what setting `name` names (a region, a resource...), else a PlatformError; None passes."""
    if value is None:
        return None
    pattern, what = LOCATION_RULES[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shown = repr(value) if len(repr(value)) <= 40 else f"a value of {len(str(value))} characters"
        raise PlatformError(f"{source or name} must be {what}, not {shown}; requests and credentials go there")
    return value


@dataclass(frozen=True)
class PlatformConfig:
    """Where requests go: the platform and its own non-secret settings (credentials come from its usual sources)."""

    name: str = CLAUDE_API.name
    aws_region: str | None = None
    aws_profile: str | None = None
    vertex_project: str | None = None
    vertex_region: str | None = None
    foundry_resource: str | None = None

    def __post_init__(self) -> None:
        platform_entry(self.name)
        for name in LOCATION_RULES:
            check_location(name, getattr(self, name))

    @property
    def entry(self) -> Platform:
        """The platform's registry entry: what it takes, refuses and needs."""
        return platform_entry(self.name)

    @property
    def label(self) -> str:
        """The platform's own name, e.g. "Amazon Bedrock"."""
        return self.entry.label

    @property
    def cloud(self) -> bool:
        """True for Bedrock, Vertex AI and Foundry: a platform reached through its own SDK client."""
        return self.entry.cloud


# The settings a platform may read: PlatformConfig's fields but its name (each registry entry's `settings`).
PLATFORM_SETTINGS = tuple(spec.name for spec in fields(PlatformConfig) if spec.name != "name")


def platform_entry(name: str) -> Platform:
    """`name`'s registry entry when it is a known platform, else a PlatformError listing them."""
    entry = REGISTRY.get(name) if isinstance(name, str) else None
    if entry is None:
        raise PlatformError(f"platform {name!r:.60} is not one of {', '.join(PLATFORMS)}")
    return entry


def missing_extra(name: str, importable: Any) -> str | None:
    """The one-line hint when `name`'s SDK extra is not installed (`importable(module)` says if it is)."""
    missing = [module for module in platform_entry(name).modules if not importable(module)]
    return install_hint(name, missing) if missing else None


def install_hint(name: str, missing: list[str]) -> str:
    """'Vertex AI needs google.auth: pip install "claude-magic[vertex]"': the one line for any missing extra."""
    entry = platform_entry(name)
    return f'{entry.label} needs {", ".join(missing)}: pip install "claude-magic[{entry.extra or name}]"'


def check_request(name: str, request: dict[str, Any]) -> None:
    """What `name` refuses in a request body, as one line; nothing is sent."""
    entry = platform_entry(name)
    for block in _blocks(request.get("messages") or []):
        source = block.get("source") if isinstance(block.get("source"), dict) else None
        if source is not None:
            _check_source(entry, str(block.get("type")), source)
    for tool in request.get("tools") or []:
        kind = _server_tool(tool)
        if kind is not None and kind not in entry.server_tools:
            raise PlatformError(f"{entry.label} does not run the {kind} server tool; drop --{kind.replace('_', '-')}")


def check_batches(name: str) -> None:
    """A PlatformError when `name` has no Message Batches API (every cloud platform); nothing is sent."""
    entry = platform_entry(name)
    if not entry.batches:
        raise PlatformError(
            f"{entry.label} has no Message Batches API; add --sync to send the rows through the "
            "normal endpoint, several at a time"
        )


def _check_source(entry: Platform, kind: str, source: dict[str, Any]) -> None:
    label = entry.label
    if source.get("type") == "file" and not entry.files_api:
        raise PlatformError(f"{label} has no Files API: attach the {kind} itself instead of a file id")
    if source.get("type") == "url" and not entry.url_sources:
        raise PlatformError(f"{label} takes base64 {kind}s only, not URLs: download it and attach the file")
    size = len(str(source.get("data", ""))) * 3 // 4  # base64 carries 3 bytes in 4 characters
    limit = entry.image_bytes
    if limit is not None and kind == "image" and source.get("type") == "base64" and size > limit:
        raise PlatformError(
            f"{label} takes images up to {limit / 2**20:g} MB; this one is {size / 2**20:.1f} MB: shrink it first"
        )


def _server_tool(tool: Any) -> str | None:
    kind = str(tool.get("type", "")) if isinstance(tool, dict) else ""
    return next((name for name in SERVER_TOOL_KINDS if kind.startswith(name + "_")), None)


def _blocks(messages: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [m.get("content") for m in messages if isinstance(m, dict)]
    while stack:
        content = stack.pop()
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict):
                found.append(block)
                stack.append(block.get("content"))
    return found


def error_context(name: str | None, status: int | None) -> tuple[str, str] | None:
    """(the platform's name, its own fix for `status` or "") for an API error line; None on the Claude API."""
    entry = REGISTRY.get(name or CLAUDE_API.name)
    if entry is None or not entry.cloud:
        return (str(name), "") if entry is None else None
    return entry.label, entry.status_hints.get(status or 0, "")


def credential_failure(error: BaseException) -> str | None:
    """One line for a platform credential library's error (botocore, google-auth), matched by class name."""
    for kind in type(error).__mro__:
        for name in (kind.__name__, f"{kind.__module__}.{kind.__name__}"):
            if name in CREDENTIAL_HINTS:
                return CREDENTIAL_HINTS[name]
    return None
