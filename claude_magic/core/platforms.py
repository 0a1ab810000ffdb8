"""Cloud platforms (Amazon Bedrock, Vertex AI, Foundry): their settings, what each refuses, and their fixes.

Facts (ANTHROPIC_API.md §10, §12, §13, checked 2026-11-22): Bedrock and Google take base64 images only,
at most 5 MB each (10 MB on the Claude API); the Files API is not on Bedrock, Google or Foundry; the
SDK's Bedrock, Vertex and Foundry clients have no Message Batches (anthropic 2.12: Bedrock and Vertex
raise on /v1/messages/batches, Foundry's `messages.batches` is None). Which server tools each
platform runs is in SERVER_TOOLS below.
Every check here runs before anything is sent and fails as one line naming the platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import PlatformError
from .platform_models import platform_label

PLATFORMS = ("anthropic", "bedrock", "vertex", "foundry")
CLOUD_IMAGE_BYTES = 5 * 1024 * 1024  # per image on Bedrock and Google

# Server tools each platform runs (Anthropic's "features by platform" pages, November 2026; not in
# ANTHROPIC_API.md, so verify before relying on it): web search on Vertex AI and Foundry, not on
# Bedrock; web fetch and code execution on Foundry only.
SERVER_TOOLS: dict[str, frozenset[str]] = {
    "bedrock": frozenset(),
    "vertex": frozenset({"web_search"}),
    "foundry": frozenset({"web_search", "web_fetch", "code_execution"}),
}

# The pip extra each platform's SDK client needs, and the modules it brings.
EXTRAS: dict[str, tuple[str, ...]] = {"bedrock": ("boto3", "botocore"), "vertex": ("google.auth", "requests")}


# What each setting that the SDK pastes into a host or URL path may be (naming rules, checked 2026-11-22):
# AWS regions (docs.aws.amazon.com, "Regions and Zones": us-east-1, us-gov-west-1, us-isob-east-1,
# eu-central-2); Vertex AI locations (cloud.google.com/vertex-ai/docs/general/locations: global, the us
# and eu multi-regions the SDK knows, and regions such as us-east5, europe-west1); Azure resource names
# (Cognitive Services custom subdomain: 2-64 letters, digits and hyphens, starting and ending with a
# letter or digit); Google Cloud project ids (6-30 lowercase letters, digits and hyphens, starting with a
# letter, not ending with a hyphen; legacy domain-scoped ids carry a "domain:" prefix); AWS profile names
# are a section name of ~/.aws/config, not part of any host.
LOCATION_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "aws_region": (
        re.compile(r"[a-z]{2}(?:-(?:gov|iso[a-z]?))?-[a-z]+-[0-9]{1,2}"),
        "an AWS region such as us-east-1",
    ),
    "vertex_region": (
        re.compile(r"global|us|eu|[a-z]+-[a-z]+[0-9]{1,2}"),
        "a Vertex AI region such as global or us-east5",
    ),
    "foundry_resource": (
        re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}[A-Za-z0-9]"),
        "an Azure resource name (2-64 letters, digits, hyphens)",
    ),
    "vertex_project": (
        re.compile(r"(?:[a-z0-9][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]"),
        "a Google Cloud project id such as my-project-123",
    ),
    "aws_profile": (re.compile(r"[A-Za-z0-9_.@+-]{1,128}"), "an AWS profile name such as dev"),
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

    name: str = "anthropic"
    aws_region: str | None = None
    aws_profile: str | None = None
    vertex_project: str | None = None
    vertex_region: str | None = None
    foundry_resource: str | None = None

    def __post_init__(self) -> None:
        check_platform(self.name)
        for name in LOCATION_RULES:
            check_location(name, getattr(self, name))

    @property
    def label(self) -> str:
        """The platform's own name, e.g. "Amazon Bedrock"."""
        return platform_label(self.name)

    @property
    def cloud(self) -> bool:
        """True for Bedrock, Vertex AI and Foundry."""
        return self.name != "anthropic"


def check_platform(name: str) -> str:
    """`name` when it is a known platform, else a PlatformError listing them."""
    if name not in PLATFORMS:
        raise PlatformError(f"platform {name!r:.60} is not one of {', '.join(PLATFORMS)}")
    return name


def missing_extra(name: str, importable: Any) -> str | None:
    """The one-line hint when `name`'s SDK extra is not installed (`importable(module)` says if it is)."""
    missing = [module for module in EXTRAS.get(name, ()) if not importable(module)]
    return install_hint(name, missing) if missing else None


def install_hint(name: str, missing: list[str]) -> str:
    """'Vertex AI needs google.auth: pip install "claude-magic[vertex]"': the one line for any missing extra."""
    return f'{platform_label(name)} needs {", ".join(missing)}: pip install "claude-magic[{name}]"'


def check_request(name: str, request: dict[str, Any]) -> None:
    """What `name` refuses in a request body, as one line; nothing is sent."""
    if name == "anthropic":
        return
    label = platform_label(name)
    for block in _blocks(request.get("messages") or []):
        source = block.get("source") if isinstance(block.get("source"), dict) else None
        if source is None:
            continue
        _check_source(name, label, str(block.get("type")), source)
    for tool in request.get("tools") or []:
        kind = _server_tool(tool)
        if kind is not None and kind not in SERVER_TOOLS.get(name, frozenset()):
            raise PlatformError(f"{label} does not run the {kind} server tool; drop --{kind.replace('_', '-')}")


def check_batches(name: str) -> None:
    """A PlatformError when `name` has no Message Batches API (every cloud platform); nothing is sent."""
    if name != "anthropic":
        raise PlatformError(
            f"{platform_label(name)} has no Message Batches API; add --sync to send the rows through the "
            "normal endpoint, several at a time"
        )


def _check_source(name: str, label: str, kind: str, source: dict[str, Any]) -> None:
    if source.get("type") == "file":
        raise PlatformError(f"{label} has no Files API: attach the {kind} itself instead of a file id")
    if name == "foundry":
        return
    if source.get("type") == "url":
        raise PlatformError(f"{label} takes base64 {kind}s only, not URLs: download it and attach the file")
    size = len(str(source.get("data", ""))) * 3 // 4  # base64 carries 3 bytes in 4 characters
    if kind == "image" and source.get("type") == "base64" and size > CLOUD_IMAGE_BYTES:
        raise PlatformError(f"{label} takes images up to 5 MB; this one is {size / 2**20:.1f} MB: shrink it first")


def _server_tool(tool: Any) -> str | None:
    kind = str(tool.get("type", "")) if isinstance(tool, dict) else ""
    for name in ("web_search", "web_fetch", "code_execution"):
        if kind.startswith(name + "_"):
            return name
    return None


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


# The platform's own fix for an HTTP status (replacing the Claude API's hint), and for credential failures.
STATUS_HINTS: dict[str, dict[int, str]] = {
    "bedrock": {
        400: " Check the model id with %claude models (Bedrock ids, e.g. us.anthropic.…).",
        403: " Amazon Bedrock refused the AWS credentials: if they expired, run `aws sso login` "
        "(or refresh your keys); check model access in the Bedrock console and ClaudeMagics.aws_region.",
        404: " Check the model id with %claude models and ClaudeMagics.aws_region.",
    },
    "vertex": {
        401: " Vertex AI refused the Google credentials: run `gcloud auth application-default login`.",
        403: " Vertex AI: enable Claude for ClaudeMagics.vertex_project in Model Garden, or check its IAM role.",
        404: " Vertex AI: check ClaudeMagics.vertex_project, ClaudeMagics.vertex_region and %claude models.",
    },
    "foundry": {
        401: " Foundry refused the key: check ANTHROPIC_FOUNDRY_API_KEY (or your Entra ID login) "
        "and ClaudeMagics.foundry_resource.",
        403: " Foundry: your identity lacks access to ClaudeMagics.foundry_resource.",
        404: " Foundry: check ClaudeMagics.foundry_resource (the name in https://NAME.services.ai.azure.com).",
    },
}

CREDENTIAL_HINTS: dict[str, str] = {
    "NoCredentialsError": "Amazon Bedrock: no AWS credentials found; run `aws configure` or `aws sso login`",
    "TokenRetrievalError": "Amazon Bedrock: the AWS SSO token expired; run `aws sso login`",
    "SSOTokenLoadError": "Amazon Bedrock: no AWS SSO token; run `aws sso login`",
    "UnauthorizedSSOTokenError": "Amazon Bedrock: the AWS SSO session expired; run `aws sso login`",
    "ProfileNotFound": "Amazon Bedrock: no such AWS profile; check ClaudeMagics.aws_profile",
    "DefaultCredentialsError": "Vertex AI: no Google credentials; run `gcloud auth application-default login`",
    "google.auth.exceptions.TransportError": "Vertex AI: could not reach Google to refresh the credentials; "
    "check the network, or run `gcloud auth application-default login`",
    "RefreshError": "Vertex AI: the Google credentials could not be refreshed; "
    "run `gcloud auth application-default login`",
}


def error_context(name: str | None, status: int | None) -> tuple[str, str] | None:
    """(the platform's name, its own fix for `status` or "") for an API error line; None on the Claude API."""
    if not name or name == "anthropic":
        return None
    return platform_label(name), STATUS_HINTS.get(name, {}).get(status or 0, "")


def credential_failure(error: BaseException) -> str | None:
    """One line for a platform credential library's error (botocore, google-auth), matched by class name."""
    for kind in type(error).__mro__:
        for name in (kind.__name__, f"{kind.__module__}.{kind.__name__}"):
            if name in CREDENTIAL_HINTS:
                return CREDENTIAL_HINTS[name]
    return None
