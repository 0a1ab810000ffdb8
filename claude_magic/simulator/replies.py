"""What a reply contains: the deterministic default reply, scripted replies, and their content blocks."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from ..core.models import ADAPTIVE, ENABLED, STANDARD_IMAGE_EDGE, ModelInfo
from .cite import citing_sentence, default_citations
from .script import ScriptedReply
from .tokens import estimate_tokens

LABEL = "**[Simulated reply]**"
QUOTE_CHARS = 80
DEFAULT_CHUNK = 12
_LAST_SENTENCE = re.compile(r"(?s).*[.!?\n]\s+(?=\S)")


@dataclass(frozen=True)
class Block:
    """One content block: its `content_block_start` form, the deltas that fill it, its final form."""

    start: dict[str, Any]
    deltas: tuple[dict[str, Any], ...]
    final: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """Everything the stream and the JSON message are built from."""

    blocks: tuple[Block, ...]
    stop_reason: str
    stop_details: dict[str, Any] | None
    output_tokens: int
    thinking_tokens: int | None


def default_reply(body: dict[str, Any], info: ModelInfo) -> Reply:
    """The deterministic reply to a request when nothing is scripted."""
    if body["max_tokens"] == 0:  # cache pre-warm: no content, nothing billed
        return Reply((), "max_tokens", None, 0, None)
    thinking = default_thinking(body) if wants_thinking(body, info) else None
    thinking_tokens = None if thinking is None else estimate_tokens(thinking)
    budget = max(0, body["max_tokens"] - (thinking_tokens or 0))
    citations = default_citations(body)
    text = default_text(body) + citing_sentence(citations)
    stop = "end_turn" if estimate_tokens(text) <= budget else "max_tokens"
    text = text[: budget * 4]
    blocks = _thinking_blocks(thinking, shows_thinking(body, info)) + text_blocks(text, citations, DEFAULT_CHUNK)
    output = min(body["max_tokens"], (thinking_tokens or 0) + estimate_tokens(text))
    return Reply(tuple(blocks), stop, None, output, thinking_tokens)


def scripted_reply(script: ScriptedReply) -> Reply:
    """A scripted reply; its thinking text (if any) is shown whatever the requested display."""
    thinking_blocks = _thinking_blocks(script.thinking, True, script.chunk_chars)
    blocks = thinking_blocks + text_blocks(script.text, script.citations, script.chunk_chars)
    thinking_tokens = None if script.thinking is None else estimate_tokens(script.thinking)
    output = script.output_tokens
    if output is None:
        output = estimate_tokens(script.text) + (thinking_tokens or 0)
    return Reply(tuple(blocks), script.stop_reason, script.stop_details, output, thinking_tokens)


def wants_thinking(body: dict[str, Any], info: ModelInfo) -> bool:
    """Adaptive or manual thinking was asked for, or omitted on a model that thinks by default."""
    thinking = body.get("thinking")
    if thinking is None:
        return info.thinks_by_default
    return thinking.get("type") in (ADAPTIVE, ENABLED)


def shows_thinking(body: dict[str, Any], info: ModelInfo) -> bool:
    """True when thinking text is streamed (display "summarized"), False for "omitted"."""
    display = (body.get("thinking") or {}).get("display")
    if display is not None:
        return bool(display == "summarized")
    # Claude 4.6 and older (the standard image tier) summarize by default; 4.7+ omit.
    return info.image_long_edge == STANDARD_IMAGE_EDGE


def prompt_of(body: dict[str, Any]) -> tuple[str, int, int]:
    """(text, images, documents) of the last user message."""
    users = [m for m in body["messages"] if m.get("role") == "user"]
    content = users[-1]["content"] if users else ""
    if isinstance(content, str):
        return content, 0, 0
    texts = [b.get("text", "") for b in content if _kind(b) == "text"]
    images = sum(1 for b in content if _kind(b) == "image")
    documents = sum(1 for b in content if _kind(b) == "document")
    return "\n".join(t for t in texts if isinstance(t, str)), images, documents


def default_text(body: dict[str, Any]) -> str:
    """Markdown that quotes the prompt and states what the simulator saw."""
    prompt, images, documents = prompt_of(body)
    mark = fingerprint(prompt)
    return (
        f'{LABEL} You asked: "{quote(prompt)}"\n\n'
        "This answer comes from `claude_magic.simulator`, a local stand-in for the "
        "Messages API; no model ran.\n\n"
        f"- model: `{body['model']}`\n"
        f"- messages in the conversation: {len(body['messages'])}\n"
        f"- attachments in your message: {plural(images, 'image')}, {plural(documents, 'document')}\n"
        f"- prompt fingerprint: `{mark}`\n\n"
        "```python\n"
        f"words = {len(prompt.split())}  # words in your prompt\n"
        f'print(f"{{words}} words, fingerprint {mark}")\n'
        "```\n"
    )


def default_thinking(body: dict[str, Any]) -> str:
    """Deterministic stand-in thinking text for the default reply."""
    prompt, images, documents = prompt_of(body)
    return (
        f'The user wrote {plural(len(prompt.split()), "word")}, starting "{quote(prompt, 40)}". '
        "This is the claude_magic simulator, so no real reasoning happens here. "
        f"I will give a short labelled reply naming {body['model']}. "
        f"It should count {plural(len(body['messages']), 'message')} and {plural(images + documents, 'attachment')}."
    )


def text_blocks(text: str, citations: tuple[dict[str, Any], ...], chunk: int) -> list[Block]:
    """Text blocks; with citations, the last sentence becomes its own block that carries them all."""
    if not citations:
        return [_text_block(text, chunk)] if text else []
    match = _LAST_SENTENCE.match(text)
    plain, cited = (text[: match.end()], text[match.end() :]) if match else ("", text)
    head = [_text_block(plain, chunk)] if plain else []
    return [*head, _cited_block(cited, citations, chunk)]


def _text_block(text: str, chunk: int) -> Block:
    deltas = tuple({"type": "text_delta", "text": piece} for piece in chunks(text, chunk))
    return Block({"type": "text", "text": ""}, deltas, {"type": "text", "text": text})


def _cited_block(text: str, citations: tuple[dict[str, Any], ...], chunk: int) -> Block:
    texts = [{"type": "text_delta", "text": piece} for piece in chunks(text, chunk)]
    cites = [{"type": "citations_delta", "citation": dict(c)} for c in citations]
    final = {"type": "text", "text": text, "citations": [dict(c) for c in citations]}
    return Block({"type": "text", "text": "", "citations": []}, tuple(texts + cites), final)


def _thinking_blocks(thinking: str | None, visible: bool, chunk: int = 0) -> list[Block]:
    """Zero or one thinking block; hidden thinking streams one empty thinking_delta (display omitted)."""
    if thinking is None:
        return []
    shown = thinking if visible else ""
    pieces = (chunks(thinking, chunk) if chunk > 0 else sentences(thinking)) if visible else [""]
    sig = signature(thinking)
    deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces]
    deltas.append({"type": "signature_delta", "signature": sig})
    final = {"type": "thinking", "thinking": shown, "signature": sig}
    return [Block({"type": "thinking", "thinking": "", "signature": ""}, tuple(deltas), final)]


def chunks(text: str, size: int) -> list[str]:
    """`text` in pieces of `size` characters (one piece when size < 1)."""
    if size < 1:
        return [text] if text else []
    return [text[i : i + size] for i in range(0, len(text), size)]


def sentences(text: str) -> list[str]:
    """`text` split after each sentence, keeping every character."""
    return [s for s in re.split(r"(?<=[.!?] )", text) if s]


def signature(thinking: str) -> str:
    """A deterministic opaque stand-in for a thinking signature."""
    digest = hashlib.sha512(("claude_magic.simulator:" + thinking).encode()).digest()
    return "Sim" + base64.b64encode(digest).decode()


def fingerprint(text: str) -> str:
    """Eight hex digits identifying a prompt."""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    if not flat:
        return "(no text)"
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def plural(n: int, word: str) -> str:
    """`1 image`, `2 images`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _kind(block: Any) -> str | None:
    return block.get("type") if isinstance(block, dict) else None
