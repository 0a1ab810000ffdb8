"""The SDK's platform clients (Bedrock, Vertex AI, Foundry): one builder per registry entry's `builder` name.

Each builder makes the real client from the platform's usual credential sources, and the simulated one:
the same SDK client aimed at the simulator's route for that platform, with fake credentials.

Credentials never come from a trait: AWS from the environment, ~/.aws profiles and SSO (boto3); Google
from application-default credentials (google-auth); Foundry from ANTHROPIC_FOUNDRY_API_KEY or Entra ID
(azure-identity, when installed). The SDK clients also read their own base-URL variables
(ANTHROPIC_BEDROCK_BASE_URL, ANTHROPIC_VERTEX_BASE_URL, ANTHROPIC_FOUNDRY_BASE_URL).
A missing piece is one RequestFailed line naming the platform and its fix.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple

from ..core.errors import ClaudeMagicError, RequestFailed
from ..core.platforms import CREDENTIAL_HINTS, PlatformConfig, check_location, credential_failure, install_hint

GOOGLE_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
# Fake platform credentials for the simulator: the real platform clients sign and send them to it.
SIMULATED_AWS_KEY, SIMULATED_AWS_SECRET = "AKIASIMULATED0000000", "simulated-aws-secret"
SIMULATED_GOOGLE_TOKEN = "ya29.simulated-google-token"
SIMULATED_FOUNDRY_KEY = "simulated-foundry-key"


class Builder(NamedTuple):
    """How one platform's SDK client is made: for real requests, and aimed at the simulator's `url`."""

    real: Callable[[PlatformConfig], Any]
    simulated: Callable[[PlatformConfig, str], Any]


def real_platform_client(platform: PlatformConfig) -> Any:
    """The platform's SDK client for real requests."""
    try:
        return _builder(platform).real(platform)
    except RequestFailed:
        raise
    except ClaudeMagicError as error:  # a region or resource from the environment that is not one
        raise RequestFailed(error.message) from None
    except ImportError as error:  # a part of the platform's extra that imports but is broken or half there
        modules = platform.entry.modules
        if not modules:
            raise RequestFailed(f"{platform.label} needs {error.name}: pip install {error.name}") from None
        raise RequestFailed(install_hint(platform.name, [error.name or modules[0]])) from None
    except Exception as error:  # the credential libraries' own errors, as one line
        hint = credential_failure(error)
        raise RequestFailed(hint or f"{platform.label}: {type(error).__name__}: {error}") from None


def simulated_platform_client(platform: PlatformConfig, url: str) -> Any:
    """The real SDK platform client, aimed at the simulator's route for that platform, with fake credentials."""
    return _builder(platform).simulated(platform, url)


def _builder(platform: PlatformConfig) -> Builder:
    name = platform.entry.builder
    if name is None:
        raise RequestFailed(f"{platform.label} has no platform client; requests go through the Claude API's")
    return BUILDERS[name]


def _bedrock(platform: PlatformConfig) -> Any:
    import anthropic
    import boto3

    if os.environ.get("AWS_BEARER_TOKEN_BEDROCK"):  # a Bedrock API key: the SDK sends it as a bearer token
        return anthropic.AnthropicBedrock(aws_region=_aws_region(platform, None))
    session = boto3.Session(profile_name=platform.aws_profile)
    if session.get_credentials() is None:
        raise RequestFailed(CREDENTIAL_HINTS["NoCredentialsError"])
    return anthropic.AnthropicBedrock(aws_region=_aws_region(platform, session), aws_profile=platform.aws_profile)


def _aws_region(platform: PlatformConfig, session: Any) -> str:
    region = platform.aws_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    region = region or (session.region_name if session is not None else None)
    if not region:
        raise RequestFailed(
            "Amazon Bedrock: no AWS region; set %config ClaudeMagics.aws_region = 'us-east-1' (or AWS_REGION)"
        )
    return str(check_location("aws_region", str(region), "the AWS region"))


def _vertex(platform: PlatformConfig) -> Any:
    import anthropic
    import google.auth

    region = platform.vertex_region or os.environ.get("CLOUD_ML_REGION")
    if not region:
        message = "Vertex AI: no region; set %config ClaudeMagics.vertex_region = 'global' (or CLOUD_ML_REGION)"
        raise RequestFailed(message)
    check_location("vertex_region", region, "vertex_region (or CLOUD_ML_REGION)")
    project = platform.vertex_project or _first_env("GOOGLE_CLOUD_PROJECT", "ANTHROPIC_VERTEX_PROJECT_ID")
    credentials, found = google.auth.default(scopes=[GOOGLE_SCOPE])
    project = project or found
    if not project:
        raise RequestFailed(
            "Vertex AI: no Google Cloud project; set %config ClaudeMagics.vertex_project = 'my-project' "
            "(or GOOGLE_CLOUD_PROJECT)"
        )
    check_location("vertex_project", project, "the Google Cloud project")
    return anthropic.AnthropicVertex(region=region, project_id=project, credentials=credentials)


def _foundry(platform: PlatformConfig) -> Any:
    import anthropic

    base_url = os.environ.get("ANTHROPIC_FOUNDRY_BASE_URL")
    resource = None if base_url else platform.foundry_resource or os.environ.get("ANTHROPIC_FOUNDRY_RESOURCE")
    if not (base_url or resource):
        raise RequestFailed(
            "Foundry: no resource; set %config ClaudeMagics.foundry_resource = 'NAME' "
            "(from https://NAME.services.ai.azure.com) or ANTHROPIC_FOUNDRY_RESOURCE"
        )
    check_location("foundry_resource", resource, "foundry_resource (or ANTHROPIC_FOUNDRY_RESOURCE)")
    where: dict[str, Any] = {"base_url": base_url} if base_url else {"resource": resource}
    if os.environ.get("ANTHROPIC_FOUNDRY_API_KEY"):
        return anthropic.AnthropicFoundry(**where)
    return anthropic.AnthropicFoundry(azure_ad_token_provider=_entra_token_provider(), **where)


def _entra_token_provider() -> Any:
    try:
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
    except ImportError:
        raise RequestFailed(
            "Foundry: no key; set ANTHROPIC_FOUNDRY_API_KEY, or pip install azure-identity and run `az login`"
        ) from None
    return get_bearer_token_provider(DefaultAzureCredential(), ENTRA_SCOPE)


def _first_env(*names: str) -> str | None:
    return next((os.environ[name] for name in names if os.environ.get(name)), None)


def _simulated_bedrock(platform: PlatformConfig, url: str) -> Any:
    import anthropic

    region = platform.aws_region or "us-east-1"
    return anthropic.AnthropicBedrock(
        aws_access_key=SIMULATED_AWS_KEY, aws_secret_key=SIMULATED_AWS_SECRET, aws_region=region, base_url=url
    )


def _simulated_vertex(platform: PlatformConfig, url: str) -> Any:
    import anthropic

    return anthropic.AnthropicVertex(
        access_token=SIMULATED_GOOGLE_TOKEN,
        project_id=platform.vertex_project or "simulated-project",
        region=platform.vertex_region or "us-east5",
        base_url=f"{url}/v1",
    )


def _simulated_foundry(platform: PlatformConfig, url: str) -> Any:
    import anthropic

    return anthropic.AnthropicFoundry(api_key=SIMULATED_FOUNDRY_KEY, base_url=f"{url}/anthropic/")


# Keyed by the registry entries' `builder` (core/platform_registry.py).
BUILDERS: dict[str, Builder] = {
    "bedrock": Builder(_bedrock, _simulated_bedrock),
    "vertex": Builder(_vertex, _simulated_vertex),
    "foundry": Builder(_foundry, _simulated_foundry),
}
