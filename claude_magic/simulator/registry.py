"""Which model a request names: the registry rows (read as data) by longest prefix, else a preview model."""

from __future__ import annotations

from ..core.models import ADAPTIVE, DISABLED, ENABLED, REGISTRY, ModelInfo

_ROWS = {info.id: info for info in REGISTRY}
PREVIEW_MODES = frozenset({ADAPTIVE, ENABLED, DISABLED})


def find_row(model: str) -> ModelInfo | None:
    """The registry row for `model`, matching dated ids to their family on `-` boundaries."""
    name = model
    while name:
        if name in _ROWS:
            return _ROWS[name]
        name = name.rpartition("-")[0]
    return None


def model_info(model: str) -> ModelInfo:
    """The registry row for `model`, or permissive defaults for an unlisted (preview) model."""
    row = find_row(model)
    if row is not None:
        return row
    return ModelInfo(model, model, None, 1_000_000, 128_000, PREVIEW_MODES, False, 1024, status="preview")
