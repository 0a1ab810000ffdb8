"""Content blocks as streamed: completed with ids and signatures, then split into start, deltas and final."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .signing import redacted_data, seal_compaction, sign_thinking

ID_PREFIXES = {"tool_use": "toolu_01", "server_tool_use": "srvtoolu_01"}
Dict = dict[str, Any]


@dataclass(frozen=True)
class Block:
    """One content block: its `content_block_start` form, the deltas that fill it, its final form."""

    start: Dict
    deltas: tuple[Dict, ...]
    final: Dict


def complete(block: Dict, seed: str) -> Dict:
    """`block` with what the API fills in and a script may leave out: tool ids, signatures, opaque data."""
    kind = block.get("type")
    if kind in ID_PREFIXES and not block.get("id"):
        return {**block, "id": tool_id(str(kind), seed)}
    if kind == "thinking" and not block.get("signature"):
        text = str(block.get("thinking", ""))
        return {**block, "signature": sign_thinking(text, text)}
    if kind == "redacted_thinking" and not block.get("data"):
        return {**block, "data": redacted_data(seed)}
    if kind == "compaction" and not block.get("encrypted_content"):
        return {"content": None, **block, "encrypted_content": seal_compaction(block.get("content"))}
    return block


def tool_id(kind: str, seed: str) -> str:
    """A deterministic id for a `tool_use` (`toolu_01…`) or `server_tool_use` (`srvtoolu_01…`) block."""
    return ID_PREFIXES[kind] + _digest(seed, 22)


def streamed(final: Dict, chunk: int) -> Block:
    """How the API streams a finished block: text and thinking in chunks, tool input as JSON pieces."""
    kind = final.get("type")
    if kind == "text":
        return _text(final, chunk)
    if kind == "thinking":
        return _thinking(final, chunk)
    if kind in ID_PREFIXES:
        return _tool(final, chunk)
    if kind == "compaction":
        return _compaction(final)
    return Block(final, (), final)  # result blocks and redacted thinking arrive whole


def _text(final: Dict, chunk: int) -> Block:
    """A cited block's citations_delta events come before its text, as in recorded real streams."""
    citations = list(final.get("citations") or [])
    start: Dict = {"type": "text", "text": "", "citations": []} if citations else {"type": "text", "text": ""}
    cites = [{"type": "citations_delta", "citation": dict(c)} for c in citations]
    texts = [{"type": "text_delta", "text": p} for p in chunks(str(final.get("text", "")), chunk)]
    return Block(start, tuple(cites + texts), final)


def _thinking(final: Dict, chunk: int) -> Block:
    """Omitted thinking (empty text) sends no thinking_delta at all, just the signature."""
    pieces = chunks(str(final.get("thinking", "")), chunk)
    deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces]
    deltas.append({"type": "signature_delta", "signature": final["signature"]})
    return Block({"type": "thinking", "thinking": "", "signature": ""}, tuple(deltas), final)


def _tool(final: Dict, chunk: int) -> Block:
    text = json.dumps(final.get("input", {}), separators=(",", ":"), ensure_ascii=False)
    pieces = ["", *chunks(text, chunk)]  # the API opens tool input with an empty partial_json
    deltas = tuple({"type": "input_json_delta", "partial_json": p} for p in pieces)
    return Block({**final, "input": {}}, deltas, final)


def _compaction(final: Dict) -> Block:
    delta = {
        "type": "compaction_delta",
        "content": final.get("content"),
        "encrypted_content": final.get("encrypted_content"),
    }
    return Block({**final, "content": None, "encrypted_content": None}, (delta,), final)


def chunks(text: str, size: int) -> list[str]:
    """`text` in pieces of `size` characters (one piece when size < 1)."""
    if size < 1:
        return [text] if text else []
    return [text[i : i + size] for i in range(0, len(text), size)]


def _digest(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]
