"""Tool calls as data: what the model asked for, what running it gave, and the tool_result that goes back."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

PREVIEW_CHARS = 200  # a row shows at most this much of a result
FUNCTION, SERVER = "function", "server"  # sources; an MCP tool's source is "mcp:NAME"
DENIED = "The user denied this tool call; it did not run."
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class ToolCall:
    """One tool use of the model and its outcome (for a server tool, what the API ran)."""

    id: str
    name: str
    input: dict[str, Any]
    source: str = FUNCTION
    content: str | tuple[dict[str, Any], ...] = ""  # the tool_result content as sent
    is_error: bool = False
    duration_s: float = 0.0
    denied: bool = False
    decided_by: str = ""  # who approved or denied it when asked: "you", "--yes", "agent_approval = session"
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. a server tool's result count

    def result_block(self) -> dict[str, Any]:
        """The `tool_result` block that answers this call."""
        content = self.content if isinstance(self.content, str) else list(self.content)
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": self.id, "content": content}
        if self.is_error:
            block["is_error"] = True
        return block

    @property
    def size(self) -> int:
        """Characters of the result's text, plus bytes of its media (base64 as sent)."""
        return len(result_text(self.content)) + media_bytes(self.content)

    @property
    def preview(self) -> str:
        """The result on one line, cut to PREVIEW_CHARS."""
        flat = " ".join(result_text(self.content).split())
        return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"

    def arguments(self) -> str:
        """The input as compact JSON, as a row shows it."""
        return json.dumps(self.input, ensure_ascii=False, separators=(", ", ": "), default=str)

    def signature(self) -> str:
        """`name({"arg": 1})`: the call exactly as the tool gets it."""
        return f"{self.name}({self.arguments()})"

    def outcome(self) -> str:
        """`denied`, `error · ran 0.01 s` or `1,204 chars · ran 0.01 s`: how the call ended, in a few words.

        The time is the tool's own run in the kernel; the footer's API time does not include it."""
        if self.denied:
            return f"denied by {self.decided_by}" if self.decided_by else "denied"
        took = f" · ran {self.duration_s:.2f} s" if self.duration_s else ""
        approved = f" · approved by {self.decided_by}" if self.decided_by else ""
        return f"error{took}{approved}" if self.is_error else f"{self.size:,} chars{took}{approved}"

    def summary(self) -> str:
        """One line: the call, how it ended, and the start of its result."""
        return f"{self.signature()} → {self.outcome()}: {self.preview}"


def result_text(content: str | tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    """The text of a tool_result's content; media blocks read as [image] / [document]."""
    if isinstance(content, str):
        return content
    return "\n".join(str(b.get("text", "")) if b.get("type") == "text" else f"[{b.get('type')}]" for b in content)


def media_bytes(content: str | tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> int:
    """Bytes of base64 media in a tool_result's content."""
    if isinstance(content, str):
        return 0
    return sum(len(str((b.get("source") or {}).get("data", ""))) for b in content if b.get("type") != "text")


def tool_uses(content: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The client `tool_use` blocks of an assistant turn, in order."""
    return [block for block in content if block.get("type") == "tool_use"]


# -- values JSON cannot carry ------------------------------------------------------------------------------------------
# The SDK's parser accepts NaN and Infinity in a tool_use input, but its encoder (allow_nan=False) refuses to send
# them back, and UTF-8 cannot encode a lone surrogate: either makes every later request of the chat fail.

REPLACEMENT = "\ufffd"  # what a lone surrogate becomes, as a UTF-8 decoder's "replace" writes it


def non_finite(value: Any, where: str = "input") -> list[str]:
    """Where in `value` a NaN or infinite number sits, e.g. ["input.x", "input.items[2]"]."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [where]
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in non_finite(item, f"{where}.{key}")]
    if isinstance(value, (list, tuple)):
        return [path for index, item in enumerate(value) for path in non_finite(item, f"{where}[{index}]")]
    return []


def non_finite_note(paths: list[str]) -> str:
    """The error result of a call whose input holds NaN or infinity at `paths`: it did not run."""
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return (
        f"Not run: the input holds numbers JSON cannot carry (NaN or infinity) at {shown}; the chat keeps null "
        "in their place. Call the tool again with finite numbers."
    )


def sendable_value(value: Any) -> Any:
    """`value` as JSON can carry it: NaN and infinities become null (as JavaScript's JSON.stringify writes
    them), lone surrogates become U+FFFD. Unchanged parts are the same objects."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return sendable_text(value)
    if isinstance(value, dict):
        return {key: sendable_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [sendable_value(item) for item in value]
    return value


def sendable_text(text: str) -> str:
    """`text` with each lone surrogate (which UTF-8 cannot encode) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(REPLACEMENT, text)
    return text


def sendable_uses(content: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    """Assistant blocks with every tool use's input made sendable; the same tuple when nothing needed it."""
    if not any(_unsendable_use(block) for block in content):
        return content
    return tuple(
        {**block, "input": sendable_value(block["input"])} if _unsendable_use(block) else block for block in content
    )


def _unsendable_use(block: dict[str, Any]) -> bool:
    return block.get("type") in ("tool_use", "server_tool_use") and bool(non_finite(block.get("input")))
