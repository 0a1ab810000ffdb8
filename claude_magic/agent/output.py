"""What one agent call gives back to the model: its printed text, its last value, its images, or its error.

A frame reads as the same token-budgeted summary `-a` sends (`attach.encode_frame`), a figure or an
image as an image block downsized to the model's long edge (`attach.attach_image`), any other value
as its repr, capped. The whole goes through `tools/results.checked_output` as every tool result does.
"""

from __future__ import annotations

from typing import Any

from .._attach import Target, attach_image, encode_frame, figure_png, image_bytes, is_table
from ..core.content import IMAGE_TYPES, sniff
from ..tools import ToolOutput
from ..tools.results import checked_output, cut_note
from .run import MAX_IMAGES, AgentRun, error_text

VALUE_CHARS = 10_000  # the repr of a last value beyond this is cut
NOTHING = "(the code ran; it printed nothing and did not end in an expression with a value)"


def call_output(result: AgentRun, model: str = "") -> ToolOutput:
    """The tool_result content of one call: text first (printed, value or error, notes), then images."""
    target = Target(model)
    value_text, value_images = _value(result, target)
    images, dropped = _images(result, target, MAX_IMAGES - bool(value_images))
    parts = (_printed(result), value_text, _ending(result, dropped + result.dropped_images))
    text = "\n".join(part for part in parts if part) or NOTHING
    images = [*value_images, *images]
    if not images:
        return checked_output(text)
    return checked_output([{"type": "text", "text": text}, *images])


def _printed(result: AgentRun) -> str:
    return f"[printed]\n{result.printed.rstrip()}" if result.printed.strip() else ""


def _value(result: AgentRun, target: Target) -> tuple[str, list[dict[str, Any]]]:
    """The last value as text, or as image blocks for a figure or an image."""
    if not result.has_value:
        return "", []
    value = result.value
    if is_table(value):
        return f"[value]\n{encode_frame('value', value, target.table_budget)}", []
    png = image_bytes(value)
    if png is not None:
        return "[value: an image, below]", _image_blocks("value", png, target)
    return f"[value]\n{_repr(value)}", []


def _ending(result: AgentRun, dropped: int) -> str:
    """How the call ended when it did not end well, and what the kernel put back."""
    notes = []
    if result.error is not None:
        notes.append(f"[error]\n{error_text(result.error)}")
    if result.restored:
        notes.append(f"[note] the code deleted or rebound {', '.join(result.restored)}; the kernel put it back")
    if dropped:
        notes.append(f"[note] {dropped} more images or figures were shown to the user, not sent")
    return "\n".join(notes)


def _images(result: AgentRun, target: Target, room: int) -> tuple[list[dict[str, Any]], int]:
    """Images displayed during the call, then figures it left open and changed: at most `room`, and how many more."""
    sources: list[tuple[str, Any]] = [(f"image {n}", data) for n, data in enumerate(result.images, 1)]
    sources += [(f"figure {n}", fig) for n, fig in enumerate(result.figures, 1)]
    blocks = []
    for name, source in sources[:room]:
        blocks += _image_blocks(name, source if isinstance(source, bytes) else figure_png(source), target)
    return blocks, max(0, len(sources) - room)


def _image_blocks(name: str, data: bytes, target: Target) -> list[dict[str, Any]]:
    if sniff(data) not in IMAGE_TYPES:
        return [{"type": "text", "text": f"[{name} not sent: not an image the API takes]"}]
    try:
        return list(attach_image(name, data, target).blocks)
    except Exception as error:  # a corrupt image is a note, never the end of the call's result
        return [{"type": "text", "text": f"[{name} not sent: {type(error).__name__}]"}]


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as error:  # a user's __repr__ may raise
        return f"<{type(value).__name__} whose repr raised {type(error).__name__}>"
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + cut_note(VALUE_CHARS, len(text))
