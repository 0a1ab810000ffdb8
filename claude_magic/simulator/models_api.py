"""The Models API: `ModelInfo` objects and pages built from the core model registry."""

from __future__ import annotations

from typing import Any

from ..core.models import ADAPTIVE, BETWEEN_TOOLS, DISABLED, EFFORTS, ENABLED, REGISTRY, ModelInfo

UNKNOWN_RELEASE = "1970-01-01T00:00:00Z"  # the API sends the epoch when a release date is unknown
LINES = ("haiku", "sonnet", "opus", "fable", "mythos")
DEFAULT_LIMIT = 20


def model_object(info: ModelInfo) -> dict[str, Any]:
    """One `ModelInfo` as `GET /v1/models/{id}` returns it."""
    line = info.id.split("-")[1]
    return {
        "id": info.id,
        "type": "model",
        "display_name": info.name,
        "created_at": UNKNOWN_RELEASE,
        "lifecycle": "deprecated" if info.status == "deprecated" else "active",
        "deprecated_at": None,
        "retires_at": None,
        "max_input_tokens": info.context_window,
        "max_tokens": info.max_output,
        "capabilities": capabilities(info),
        "line": line if line in LINES else None,
    }


def capabilities(info: ModelInfo) -> dict[str, Any]:
    """Thinking and effort from the registry; the rest are the simulator's assumption (all supported)."""
    yes = {"supported": True}
    return {
        "batch": yes,
        "citations": yes,
        "code_execution": yes,
        "context_management": {"supported": False},
        "effort": {"supported": info.effort, **{e: {"supported": info.effort} for e in EFFORTS}},
        "image_input": yes,
        "pdf_input": yes,
        "server_tools": {"supported": True, "code_execution": yes, "web_search": yes},
        "structured_outputs": yes,
        "thinking": {"supported": True, "types": thinking_types(info)},
    }


def thinking_types(info: ModelInfo) -> dict[str, dict[str, bool]]:
    """`capabilities.thinking.types`: which `thinking.type` values the model accepts."""
    modes = (ADAPTIVE, BETWEEN_TOOLS, DISABLED, ENABLED)
    return {mode: {"supported": info.accepts(mode)} for mode in modes}


def find_model(model_id: str) -> ModelInfo | None:
    """The registry entry with exactly this id or alias."""
    for info in REGISTRY:
        if model_id == info.id or model_id in info.aliases:
            return info
    return None


def models_page(query: dict[str, str]) -> dict[str, Any]:
    """A `GET /v1/models` page honouring `limit`, `after_id` and `before_id`."""
    ids = [info.id for info in REGISTRY]
    limit = _limit(query.get("limit"))
    if query.get("before_id") in ids:
        end = ids.index(query["before_id"])
        chosen, more = ids[max(0, end - limit) : end], end - limit > 0
    else:
        start = ids.index(query["after_id"]) + 1 if query.get("after_id") in ids else 0
        chosen, more = ids[start : start + limit], start + limit < len(ids)
    data = [model_object(info) for info in REGISTRY if info.id in chosen]
    first, last = (chosen[0], chosen[-1]) if chosen else (None, None)
    return {"data": data, "has_more": more, "first_id": first, "last_id": last}


def _limit(raw: str | None) -> int:
    try:
        return min(1000, max(1, int(raw))) if raw else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT
