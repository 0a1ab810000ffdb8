"""One record per platform (the Claude API, Amazon Bedrock, Vertex AI, Foundry): every fact about it, as dated data.

Adding a platform is one `Platform` entry in REGISTRY plus its client builder, keyed by `builder`, in
`_edge/platform_clients.BUILDERS` (ARCHITECTURE.md, "How to add ... a platform"). Everything else reads these
entries: the settings' checks, request refusals, model ids, error hints, the SDK client and log masking.

Facts (ANTHROPIC_API.md §10, §12, §13, checked 2026-11-22): Bedrock and Google take base64 images only,
at most 5 MB each (10 MB on the Claude API); the Files API is not on Bedrock, Google or Foundry; the
SDK's Bedrock, Vertex and Foundry clients have no Message Batches (anthropic 2.12: Bedrock and Vertex
raise on /v1/messages/batches, Foundry's `messages.batches` is None), and we do not rely on their
count_tokens. Server tools per platform: Anthropic's "features by platform" pages, November 2026; not
in ANTHROPIC_API.md, so verify before relying on it.

Model ids, checked 2026-11-22: the ids Amazon Bedrock and Google Vertex AI publish for the 4.5 models
(`anthropic.claude-sonnet-4-5-20250929-v1:0`, `claude-sonnet-4-5@20250929`, and likewise Haiku 4.5
20251001 and Opus 4.5 20251101); from Opus 4.6 on both drop the date (`anthropic.claude-opus-4-6-v1`,
`claude-opus-4-6`). The 5.x rows follow that undated pattern and are not yet confirmed against the
platforms' model catalogues: override with a full platform id (`%config ClaudeMagics.model = "..."`)
when a platform names a model differently. Foundry deployments use the Claude API ids. Invite-only
and deprecated preview models are not listed on any platform.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# What a setting the SDK pastes into a host or URL path may be, and how a message names that.
Rule = tuple[re.Pattern[str], str]

SERVER_TOOL_KINDS = ("web_search", "web_fetch", "code_execution")
CLAUDE_API_KEY_ATTRIBUTES = ("api_key", "auth_token")


@dataclass(frozen=True)
class Platform:
    """Everything about one platform; the defaults are the Claude API's (it takes and runs everything)."""

    name: str
    label: str  # its own name, for messages
    builder: str | None = None  # its SDK client's builder in _edge/platform_clients.BUILDERS; None: the Claude API
    sdk_class: str | None = None  # the SDK's client class (an injected client of it, or Async..., routes here)
    extra: str | None = None  # pip install "claude-magic[extra]" brings `modules`
    modules: tuple[str, ...] = ()
    settings: Mapping[str, Rule] = field(default_factory=dict)  # PlatformConfig fields it reads, and their rules
    secrets: tuple[str, ...] = ()  # its client's attributes that hold credentials (masked in SDK logs)
    server_tools: frozenset[str] = frozenset(SERVER_TOOL_KINDS)
    model_ids: Mapping[str, str] | None = None  # Claude API id -> its id; None: any Claude API id as it is
    geographies: Mapping[str, str] = field(default_factory=dict)  # region start -> inference-profile prefix
    status_hints: Mapping[int, str] = field(default_factory=dict)  # its own fix for an HTTP status
    credential_hints: Mapping[str, str] = field(default_factory=dict)  # credential library error -> one line
    batches: bool = True  # has the Message Batches API
    count_tokens: bool = True  # its token counting is relied on
    files_api: bool = True
    url_sources: bool = True  # takes URL image and document sources
    image_bytes: int | None = None  # our own per-image limit, None: the API's limits alone

    @property
    def cloud(self) -> bool:
        """True for a platform reached through its own SDK client (Bedrock, Vertex AI, Foundry)."""
        return self.builder is not None


CLOUD_IMAGE_BYTES = 5 * 1024 * 1024  # per image on Bedrock and Google
# Naming rules, checked 2026-11-22: AWS regions (docs.aws.amazon.com, "Regions and Zones": us-east-1,
# us-gov-west-1, us-isob-east-1, eu-central-2); AWS profile names are a section name of ~/.aws/config, not
# part of any host; Vertex AI locations (cloud.google.com/vertex-ai/docs/general/locations: global, the us
# and eu multi-regions the SDK knows, and regions such as us-east5, europe-west1); Google Cloud project ids
# (6-30 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen; legacy
# domain-scoped ids carry a "domain:" prefix); Azure resource names (Cognitive Services custom subdomain:
# 2-64 letters, digits and hyphens, starting and ending with a letter or digit).
AWS_REGION: Rule = (re.compile(r"[a-z]{2}(?:-(?:gov|iso[a-z]?))?-[a-z]+-[0-9]{1,2}"), "an AWS region such as us-east-1")
AWS_PROFILE: Rule = (re.compile(r"[A-Za-z0-9_.@+-]{1,128}"), "an AWS profile name such as dev")
VERTEX_PROJECT: Rule = (
    re.compile(r"(?:[a-z0-9][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]"),
    "a Google Cloud project id such as my-project-123",
)
VERTEX_REGION: Rule = (
    re.compile(r"global|us|eu|[a-z]+-[a-z]+[0-9]{1,2}"),
    "a Vertex AI region such as global or us-east5",
)
AZURE_RESOURCE: Rule = (
    re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}[A-Za-z0-9]"),
    "an Azure resource name (2-64 letters, digits, hyphens)",
)

# fmt: off
BEDROCK_IDS: dict[str, str] = {
    "claude-fable-5-2":  "anthropic.claude-fable-5-2-v1:0",
    "claude-fable-5-1":  "anthropic.claude-fable-5-1-v1:0",
    "claude-mythos-5-1": "anthropic.claude-mythos-5-1-v1:0",
    "claude-opus-5-5":   "anthropic.claude-opus-5-5-v1:0",
    "claude-sonnet-5-5": "anthropic.claude-sonnet-5-5-v1:0",
    "claude-haiku-5-5":  "anthropic.claude-haiku-5-5-v1:0",
    "claude-opus-5":     "anthropic.claude-opus-5-v1:0",
    "claude-sonnet-5":   "anthropic.claude-sonnet-5-v1:0",
    "claude-opus-4-8":   "anthropic.claude-opus-4-8-v1",
    "claude-opus-4-7":   "anthropic.claude-opus-4-7-v1",
    "claude-opus-4-6":   "anthropic.claude-opus-4-6-v1",
    "claude-sonnet-4-6": "anthropic.claude-sonnet-4-6",
    "claude-opus-4-5":   "anthropic.claude-opus-4-5-20251101-v1:0",
    "claude-sonnet-4-5": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "claude-haiku-4-5":  "anthropic.claude-haiku-4-5-20251001-v1:0",
}
VERTEX_IDS: dict[str, str] = {
    "claude-fable-5-2":  "claude-fable-5-2",
    "claude-fable-5-1":  "claude-fable-5-1",
    "claude-mythos-5-1": "claude-mythos-5-1",
    "claude-opus-5-5":   "claude-opus-5-5",
    "claude-sonnet-5-5": "claude-sonnet-5-5",
    "claude-haiku-5-5":  "claude-haiku-5-5",
    "claude-opus-5":     "claude-opus-5",
    "claude-sonnet-5":   "claude-sonnet-5",
    "claude-opus-4-8":   "claude-opus-4-8",
    "claude-opus-4-7":   "claude-opus-4-7",
    "claude-opus-4-6":   "claude-opus-4-6",
    "claude-sonnet-4-6": "claude-sonnet-4-6",
    "claude-opus-4-5":   "claude-opus-4-5@20251101",
    "claude-sonnet-4-5": "claude-sonnet-4-5@20250929",
    "claude-haiku-4-5":  "claude-haiku-4-5@20251001",
}
# fmt: on
FOUNDRY_IDS: dict[str, str] = {model: model for model in VERTEX_IDS}
# Bedrock serves current models through cross-region inference profiles: the geography prefixes the id.
BEDROCK_GEOGRAPHIES = {"us-": "us.", "ca-": "us.", "eu-": "eu.", "ap-": "apac."}

# Each platform's own fix for an HTTP status (replacing the Claude API's hint), and for credential failures.
BEDROCK_STATUS = {
    400: " Check the model id with %claude models (Bedrock ids, e.g. us.anthropic.…).",
    403: " Amazon Bedrock refused the AWS credentials: if they expired, run `aws sso login` "
    "(or refresh your keys); check model access in the Bedrock console and ClaudeMagics.aws_region.",
    404: " Check the model id with %claude models and ClaudeMagics.aws_region.",
}
VERTEX_STATUS = {
    401: " Vertex AI refused the Google credentials: run `gcloud auth application-default login`.",
    403: " Vertex AI: enable Claude for ClaudeMagics.vertex_project in Model Garden, or check its IAM role.",
    404: " Vertex AI: check ClaudeMagics.vertex_project, ClaudeMagics.vertex_region and %claude models.",
}
FOUNDRY_STATUS = {
    401: " Foundry refused the key: check ANTHROPIC_FOUNDRY_API_KEY (or your Entra ID login) "
    "and ClaudeMagics.foundry_resource.",
    403: " Foundry: your identity lacks access to ClaudeMagics.foundry_resource.",
    404: " Foundry: check ClaudeMagics.foundry_resource (the name in https://NAME.services.ai.azure.com).",
}
# By the credential library's error class name (botocore, google-auth).
BEDROCK_CREDENTIALS = {
    "NoCredentialsError": "Amazon Bedrock: no AWS credentials found; run `aws configure` or `aws sso login`",
    "TokenRetrievalError": "Amazon Bedrock: the AWS SSO token expired; run `aws sso login`",
    "SSOTokenLoadError": "Amazon Bedrock: no AWS SSO token; run `aws sso login`",
    "UnauthorizedSSOTokenError": "Amazon Bedrock: the AWS SSO session expired; run `aws sso login`",
    "ProfileNotFound": "Amazon Bedrock: no such AWS profile; check ClaudeMagics.aws_profile",
}
VERTEX_CREDENTIALS = {
    "DefaultCredentialsError": "Vertex AI: no Google credentials; run `gcloud auth application-default login`",
    "google.auth.exceptions.TransportError": "Vertex AI: could not reach Google to refresh the credentials; "
    "check the network, or run `gcloud auth application-default login`",
    "RefreshError": "Vertex AI: the Google credentials could not be refreshed; "
    "run `gcloud auth application-default login`",
}

REGISTRY: dict[str, Platform] = {
    platform.name: platform
    for platform in (
        Platform("anthropic", "the Claude API", secrets=CLAUDE_API_KEY_ATTRIBUTES),
        Platform(
            "bedrock",
            "Amazon Bedrock",
            builder="bedrock",
            sdk_class="AnthropicBedrock",
            extra="bedrock",
            modules=("boto3", "botocore"),
            settings={"aws_region": AWS_REGION, "aws_profile": AWS_PROFILE},
            secrets=("aws_access_key", "aws_secret_key", "aws_session_token"),
            server_tools=frozenset(),
            model_ids=BEDROCK_IDS,
            geographies=BEDROCK_GEOGRAPHIES,
            status_hints=BEDROCK_STATUS,
            credential_hints=BEDROCK_CREDENTIALS,
            url_sources=False,
            image_bytes=CLOUD_IMAGE_BYTES,
            batches=False,
            count_tokens=False,
            files_api=False,
        ),
        Platform(
            "vertex",
            "Vertex AI",
            builder="vertex",
            sdk_class="AnthropicVertex",
            extra="vertex",
            modules=("google.auth", "requests"),
            settings={"vertex_project": VERTEX_PROJECT, "vertex_region": VERTEX_REGION},
            secrets=("access_token",),
            server_tools=frozenset({"web_search"}),
            model_ids=VERTEX_IDS,
            status_hints=VERTEX_STATUS,
            credential_hints=VERTEX_CREDENTIALS,
            url_sources=False,
            image_bytes=CLOUD_IMAGE_BYTES,
            batches=False,
            count_tokens=False,
            files_api=False,
        ),
        Platform(
            "foundry",
            "Foundry",
            builder="foundry",
            sdk_class="AnthropicFoundry",
            settings={"foundry_resource": AZURE_RESOURCE},
            secrets=("api_key",),
            model_ids=FOUNDRY_IDS,
            status_hints=FOUNDRY_STATUS,
            batches=False,
            count_tokens=False,
            files_api=False,
        ),
    )
}
CLAUDE_API = REGISTRY["anthropic"]

