"""What a tool returned, or raised, as `tool_result` content: text, JSON, a table summary or an image.

Tables and images are encoded exactly as `-a` attachments are (`_attach.py`): a DataFrame reads as
its compact summary, a figure, PIL image or PNG/JPEG bytes become an image block downsized to the
model's long edge, after a one-line label.

Whatever a tool returned (a function, an MCP server, any `Tool`), `checked_output` makes it sendable
before it joins the chat: text is capped, empty text gets a placeholder, lone surrogates and numbers
JSON cannot carry are replaced, and media whose base64 data is not an image is replaced by a note.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import sys
from typing import Any

from .._attach import Target, attach_image, encode_frame, image_bytes, is_table
from ..core.content import IMAGE_TYPES, PDF_TYPE, sniff
from ..core.tools import sendable_text, sendable_value
from . import ToolOutput

NONE_TEXT = "None (the function returned no value)"
EMPTY_TEXT = "(the tool returned an empty result)"  # the API refuses empty text blocks
REPR_CHARS = 2_000  # an object with no better form reads as its repr, cut to this
RESULT_CHARS = 100_000  # text of one result (a string, or all its text blocks together) beyond this is cut
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
    if is_table(value):
        return encode_frame(name, value)
    image = image_bytes(value)
    if image is not None:
        return list(attach_image(name, image, Target(model)).blocks)
    if _is_json_like(value):
        return _capped(json.dumps(value, ensure_ascii=False, default=_json_default), RESULT_CHARS)
    return _capped(repr(value), REPR_CHARS)


def error_text(error: BaseException) -> str:
    """One line `TypeName: message`, at most ERROR_CHARS; a `ToolError`'s own text content as it is."""
    content = _tool_error_content(error)
    if isinstance(content, str) and content.strip():
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
    if is_table(value):
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
    return text[:limit] + cut_note(limit, len(text))


def cut_note(kept: int, total: int) -> str:
    """What a cut result ends with: how much of it was kept, of how much."""
    return f"… (cut: kept the first {kept:,} of {total:,} characters)"


# -- making any result sendable ------------------------------------------------------------------------------------


def checked_output(output: ToolOutput) -> ToolOutput:
    """`output` as the API takes it: text capped at RESULT_CHARS in all, empty text a placeholder, lone
    surrogates and non-finite numbers replaced, media whose base64 data is not what it claims replaced by a note."""
    if isinstance(output, str):
        return _checked_text(output)
    budget = _Budget(RESULT_CHARS, sum(_text_chars(block) for block in output))
    blocks = [_checked_block(sendable_value(block), budget) for block in output if isinstance(block, dict)]
    kept = [block for block in blocks if block is not None]
    return kept or EMPTY_TEXT


def _checked_text(text: str) -> str:
    text = sendable_text(_capped(text, RESULT_CHARS))
    return text if text.strip() else EMPTY_TEXT


@dataclasses.dataclass
class _Budget:
    """Characters of text a result may still send, and how many it had in all (for the note)."""

    left: int
    total: int

    def take(self, text: str) -> str:
        if not self.left:
            return ""
        if len(text) <= self.left:
            self.left -= len(text)
            return text
        kept, self.left = text[: self.left], 0
        return kept + cut_note(RESULT_CHARS, self.total)


def _text_chars(block: Any) -> int:
    """Characters of text in a block: a text block, a plain-text document, a search result's text blocks."""
    if not isinstance(block, dict):
        return 0
    if block.get("type") == "text":
        return len(str(block.get("text", "")))
    if _is_text_document(block):
        return len(str(block["source"].get("data", "")))
    inner = block.get("content")
    return sum(map(_text_chars, inner)) if isinstance(inner, list) else 0


def _is_text_document(block: dict[str, Any]) -> bool:
    source = block.get("source")
    return block.get("type") == "document" and isinstance(source, dict) and source.get("type") == "text"


def _checked_block(block: dict[str, Any], budget: _Budget) -> dict[str, Any] | None:
    """The block as it may be sent; None for text with nothing left in it."""
    if block.get("type") == "text":
        text = budget.take(str(block.get("text", "")))
        return {**block, "text": text} if text.strip() else None
    if _is_text_document(block):
        data = budget.take(str(block["source"].get("data", "")))
        return {**block, "source": {**block["source"], "data": data}} if data.strip() else None
    if isinstance(block.get("content"), list):  # a search_result: its own text blocks
        inner = [_checked_block(dict(b), budget) for b in block["content"] if isinstance(b, dict)]
        return {**block, "content": [b for b in inner if b is not None] or [{"type": "text", "text": EMPTY_TEXT}]}
    problem = _media_problem(block)
    return {"type": "text", "text": f"[{block.get('type')} not sent: {problem}]"} if problem else block


def _media_problem(block: dict[str, Any]) -> str | None:
    """Why a base64 image or PDF block cannot be sent, or None."""
    source = block.get("source")
    if not isinstance(source, dict) or source.get("type") != "base64":
        return None
    try:
        data = base64.b64decode(str(source.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        return "its base64 data is invalid"
    wanted = IMAGE_TYPES if block.get("type") == "image" else (PDF_TYPE,)
    media = source.get("media_type")
    if media not in wanted:
        return f"its media type {str(media)[:40]!r} is not one the API takes here ({', '.join(wanted)})"
    if sniff(data) != media:
        return f"its data is not the {media} it claims to be"
    return None
