"""Model ids per cloud platform, as dated data beside the model table (core/models.py), and the name mapping.

Checked 2026-11-22. Sources: the ids Amazon Bedrock and Google Vertex AI publish for the 4.5 models
(`anthropic.claude-sonnet-4-5-20250929-v1:0`, `claude-sonnet-4-5@20250929`, and likewise Haiku 4.5
20251001 and Opus 4.5 20251101); from Opus 4.6 on both drop the date (`anthropic.claude-opus-4-6-v1`,
`claude-opus-4-6`). The 5.x rows follow that undated pattern and are not yet confirmed against the
platforms' model catalogues: override with a full platform id (`%config ClaudeMagics.model = "..."`)
when a platform names a model differently. Foundry deployments use the Claude API ids. Invite-only
and deprecated preview models are not listed on any platform.
"""

from __future__ import annotations

import difflib

from .errors import PlatformError

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

PLATFORM_IDS: dict[str, dict[str, str]] = {"bedrock": BEDROCK_IDS, "vertex": VERTEX_IDS, "foundry": FOUNDRY_IDS}

# Bedrock serves current models through cross-region inference profiles: the geography prefixes the id.
BEDROCK_GEOGRAPHIES = {"us-": "us.", "ca-": "us.", "eu-": "eu.", "ap-": "apac."}


def inference_profile(model_id: str, aws_region: str | None) -> str:
    """`model_id` with the inference-profile prefix of `aws_region` (us./eu./apac.), unprefixed elsewhere."""
    prefix = next((geo for start, geo in BEDROCK_GEOGRAPHIES.items() if (aws_region or "").startswith(start)), "")
    return prefix + model_id


def platform_model_id(platform: str, model: str, aws_region: str | None = None) -> str:
    """The id a request to `platform` carries for `model`; a platform id given as is passes through unchanged.

    An id the platform does not serve is a PlatformError naming the nearest one it does.
    """
    table = PLATFORM_IDS.get(platform)
    if table is None or _is_platform_id(platform, model, table):
        return model
    if model not in table:
        raise PlatformError(f"{model} is not served on {platform_label(platform)}{_nearest(model, table)}")
    found = table[model]
    return inference_profile(found, aws_region) if platform == "bedrock" else found


def listed_ids(platform: str, aws_region: str | None = None) -> dict[str, str]:
    """Claude API id -> the platform's id, for every model the platform serves (what `%claude models` lists)."""
    return {model: platform_model_id(platform, model, aws_region) for model in PLATFORM_IDS.get(platform, {})}


def platform_label(platform: str) -> str:
    """The platform's own name, for messages."""
    return LABELS.get(platform, platform)


LABELS = {"anthropic": "the Claude API", "bedrock": "Amazon Bedrock", "vertex": "Vertex AI", "foundry": "Foundry"}


def _is_platform_id(platform: str, model: str, table: dict[str, str]) -> bool:
    if platform == "foundry":
        return False
    bare = model.split(".", 1)[1] if platform == "bedrock" and model.count(".") >= 2 else model
    return bare in table.values() and model not in table


def _nearest(model: str, table: dict[str, str]) -> str:
    close = difflib.get_close_matches(model, list(table), n=1, cutoff=0.5)
    return f"; nearest: {close[0]}" if close else f"; it serves {', '.join(table)}"
