"""A model's id on each platform: the mapping from Claude API ids, read from each entry of core/platform_registry.py.

The id tables themselves (dated, with their sources) are the entries' `model_ids`; a platform with
`geographies` (Bedrock) serves current models through inference profiles named by the region.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from .errors import PlatformError
from .platform_registry import BEDROCK_GEOGRAPHIES, REGISTRY, Platform

# Claude API id -> the platform's id, for each platform with its own table.
PLATFORM_IDS: dict[str, Mapping[str, str]] = {
    platform.name: platform.model_ids for platform in REGISTRY.values() if platform.model_ids is not None
}


def inference_profile(
    model_id: str, aws_region: str | None, geographies: Mapping[str, str] = BEDROCK_GEOGRAPHIES
) -> str:
    """`model_id` with the inference-profile prefix of `aws_region` (us./eu./apac.), unprefixed elsewhere."""
    prefix = next((geo for start, geo in geographies.items() if (aws_region or "").startswith(start)), "")
    return prefix + model_id


def platform_model_id(platform: str, model: str, aws_region: str | None = None) -> str:
    """The id a request to `platform` carries for `model`; a platform id given as is passes through unchanged.

    An id the platform does not serve is a PlatformError naming the nearest one it does.
    """
    entry = REGISTRY.get(platform)
    table = entry.model_ids if entry is not None else None
    if entry is None or table is None or _is_platform_id(entry, model, table):
        return model
    if model not in table:
        raise PlatformError(f"{model} is not served on {entry.label}{_nearest(model, table)}")
    found = table[model]
    return inference_profile(found, aws_region, entry.geographies) if entry.geographies else found


def listed_ids(platform: str, aws_region: str | None = None) -> dict[str, str]:
    """Claude API id -> the platform's id, for every model the platform serves (what `%claude models` lists)."""
    return {model: platform_model_id(platform, model, aws_region) for model in PLATFORM_IDS.get(platform, {})}


def _is_platform_id(entry: Platform, model: str, table: Mapping[str, str]) -> bool:
    """True for the platform's own id (with an inference-profile prefix where it has geographies)."""
    bare = model.split(".", 1)[1] if entry.geographies and model.count(".") >= 2 else model
    return bare in table.values() and model not in table


def _nearest(model: str, table: Mapping[str, str]) -> str:
    close = difflib.get_close_matches(model, list(table), n=1, cutoff=0.5)
    return f"; nearest: {close[0]}" if close else f"; it serves {', '.join(table)}"
