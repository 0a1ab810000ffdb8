"""What a tool returned, or raised, as `tool_result` content: text, JSON, a table summary or an image.

Tables and images are encoded exactly as `-a` attachments are (`attach.py`): a DataFrame reads as
its compact summary, a figure, PIL image or PNG/JPEG bytes become an image block downsized to the
model's long edge, after a one-line label.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

from ..attach import Target, attach_image, encode_frame, figure_png, pil_bytes
from ..core.content import IMAGE_TYPES, sniff
from . import ToolOutput

NONE_TEXT = "None (the function returned no value)"
REPR_CHARS = 2_000  # an object with no better form reads as its repr, cut to this
JSON_CHARS = 100_000  # a JSON result longer than this is cut, with a note
ERROR_CHARS = 500
CONTENT_TYPES = ("text", "image", "document", "search_result")  # blocks a tool_result may hold


def encode_result(value: object, *, name: str = "result", model: str = "") -> ToolOutput:
    """`value` as tool_result content; `name` labels tables and images, `model` sets the image edge."""
    if isinstance(value, str):
        return value
    if value is None:
        return NONE_TEXT
    if _is_blocks(value):
        return [dict(block) for block in value]  # type: ignore[attr-defined]
    if _is_pandas(value):
        return encode_frame(name, value)
    image = _image_bytes(value)
    if image is not None:
        return list(attach_image(name, image, Target(model)).blocks)
    if _is_json_like(value):
        return _capped(json.dumps(value, ensure_ascii=False, default=_json_default), JSON_CHARS)
    return _capped(repr(value), REPR_CHARS)


def error_text(error: BaseException) -> str:
    """One line `TypeName: message`, at most ERROR_CHARS; a `ToolError`'s own text content as it is."""
    content = _tool_error_content(error)
    if isinstance(content, str):
        return _capped(" ".join(content.split()), ERROR_CHARS)
    message = " ".join(str(error).split())
    line = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return _capped(line, ERROR_CHARS)


def error_output(error: BaseException) -> ToolOutput:
    """The content of an is_error tool_result: a `ToolError`'s content (text or blocks), else `error_text`."""
    content = _tool_error_content(error)
    if content is not None and not isinstance(content, str):
        return [dict(block) for block in content]
    return error_text(error)


# -- kinds of value -------------------------------------------------------------------------------------------------


def _is_blocks(value: object) -> bool:
    """A non-empty list of content blocks (the SDK's BetaFunctionToolResultType), not just dicts with "type"."""
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return all(isinstance(block, dict) and _is_block(block) for block in value)


def _is_block(block: dict[str, Any]) -> bool:
    kind = block.get("type")
    if kind == "text":
        return isinstance(block.get("text"), str)
    return kind in CONTENT_TYPES and isinstance(block.get("source") or block.get("content"), (dict, list, str))


def _is_json_like(value: object) -> bool:
    return isinstance(value, (bool, int, float, dict, list, tuple)) or _is_model(value) or _is_dataclass(value)


def _image_bytes(value: object) -> bytes | None:
    """PNG/JPEG/GIF/WebP bytes for a figure, a PIL image or image bytes; None for anything else."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return data if sniff(data) in IMAGE_TYPES else None
    figure = sys.modules.get("matplotlib.figure")
    if figure is not None and isinstance(value, figure.Figure):
        return figure_png(value)
    image = sys.modules.get("PIL.Image")
    if image is not None and isinstance(value, image.Image):
        return pil_bytes(value)
    return None


def _is_pandas(value: object) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series))


def _is_model(value: object) -> bool:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


def _is_dataclass(value: object) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _json_default(value: Any) -> Any:
    """JSON for what json.dumps cannot write: models, dataclasses, numpy values; str otherwise."""
    if _is_model(value):
        return value.model_dump(mode="json")
    if _is_dataclass(value):
        return dataclasses.asdict(value)
    if _is_pandas(value):
        return json.loads(value.to_json(orient="records" if value.ndim == 2 else "index", default_handler=str))
    for method in ("tolist", "item"):  # numpy arrays and scalars
        convert = getattr(value, method, None)
        if callable(convert):
            try:
                return convert()
            except (TypeError, ValueError):
                break
    return str(value)


def _tool_error_content(error: BaseException) -> Any:
    """The `content` of the SDK's ToolError, or None for any other exception."""
    module = sys.modules.get("anthropic.lib.tools._beta_functions")
    if module is None or not isinstance(error, module.ToolError):
        return None
    return error.content


def _capped(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"… (cut: {len(text) - limit:,} more characters)"
