"""What a reply contains: the deterministic default reply, scripted replies, and their content blocks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..core.models import ADAPTIVE, ENABLED, STANDARD_IMAGE_EDGE, ModelInfo
from .blocks import Block, complete, streamed
from .cite import citing_sentence, default_citations
from .context_seen import context_sentence
from .length import asked_length
from .longform import element_sections, long_text, short_text
from .prompt import LABEL, context_of, fingerprint, plural, prompt_of, quote
from .schema import fill_from, instance
from .script import ScriptedReply
from .signing import sign_thinking
from .structured import output_format
from .tokens import CHARS_PER_TOKEN, estimate_tokens
from .tool_replies import tool_reply

DEFAULT_CHUNK = 12
_LAST_SENTENCE = re.compile(r"(?s).*[.!?\n]\s+(?=\S)")
Dict = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """Everything the stream and the JSON message are built from."""

    blocks: tuple[Block, ...]
    stop_reason: str
    stop_details: Dict | None
    output_tokens: int
    thinking_tokens: int | None
    usage: Dict = field(default_factory=dict)  # extra usage fields, e.g. server_tool_use, iterations


def default_reply(body: Dict, info: ModelInfo) -> Reply:
    """The deterministic reply to a request when nothing is scripted: tool use, structured JSON or text."""
    if body["max_tokens"] == 0:  # cache pre-warm: no content, nothing billed
        return Reply((), "max_tokens", None, 0, None)
    thinking = default_thinking(body) if thinks_here(body, info) else None
    thinking_tokens = None if thinking is None else estimate_tokens(thinking)
    if thinking_tokens is None and wants_thinking(body, info):
        thinking_tokens = 0  # adaptive thinking that chose not to think, as recorded Fable 5.1 streams report
    head = _thinking(thinking, shows_thinking(body, info))
    acted = tool_reply(body)
    if acted is not None:
        output = (thinking_tokens or 0) + estimate_tokens("".join(map(_payload, acted.blocks)))
        blocks = tuple(streamed(b, DEFAULT_CHUNK) for b in head + acted.blocks)
        return Reply(blocks, acted.stop_reason, None, output, thinking_tokens, acted.usage)
    budget = max(0, body["max_tokens"] - (thinking_tokens or 0))
    citations = default_citations(body)
    text = structured_text(body) or default_text(body, budget) + citing_sentence(citations)
    stop = "end_turn" if estimate_tokens(text) <= budget else "max_tokens"
    text = text[: budget * CHARS_PER_TOKEN]
    output = min(body["max_tokens"], (thinking_tokens or 0) + estimate_tokens(text))
    blocks = tuple(streamed(b, DEFAULT_CHUNK) for b in head + text_blocks(text, citations))
    return Reply(blocks, stop, None, output, thinking_tokens)


def structured_text(body: Dict) -> str | None:
    """With `output_config.format`, JSON text that validates against its schema; else None."""
    schema = output_format(body)
    if schema is None:
        return None
    value = instance(schema, schema, fill_from(prompt_of(body)[0]))
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def scripted_reply(script: ScriptedReply, seed: str, thinking_on: bool = False) -> Reply:
    """A scripted reply: its `content` blocks, or blocks made from `text`, `thinking` and `citations`.

    With thinking on (asked for, or the model always thinks), usage reports thinking tokens even
    when the script has no thinking block: 0, as recorded Fable 5.1 streams do.
    """
    finals = [complete(b, f"{seed}:{n}") for n, b in enumerate(script_blocks(script))]
    thinking = [str(b.get("thinking", "")) for b in finals if b.get("type") == "thinking"]
    thinking_tokens = estimate_tokens("".join(thinking)) if thinking or thinking_on else None
    output = script.output_tokens
    if output is None:
        output = estimate_tokens("".join(map(_payload, finals))) + (thinking_tokens or 0)
    blocks = tuple(streamed(b, script.chunk_chars) for b in finals)
    return Reply(blocks, script.stop_reason, script.stop_details, output, thinking_tokens, dict(script.usage or {}))


def script_blocks(script: ScriptedReply) -> list[Dict]:
    """The blocks a script streams; its thinking text (if any) is shown whatever the requested display."""
    if script.content is not None:
        return [dict(b) for b in script.content]
    thinking = [] if script.thinking is None else [{"type": "thinking", "thinking": script.thinking}]
    return thinking + text_blocks(script.text, script.citations)


def _payload(block: Dict) -> str:
    """The generated text a block's output tokens are counted on (thinking is counted apart)."""
    if block.get("type") == "text":
        return str(block.get("text", ""))
    if block.get("type") in ("tool_use", "server_tool_use"):
        return json.dumps(block.get("input", {}), separators=(",", ":"))
    return ""


def wants_thinking(body: dict[str, Any], info: ModelInfo) -> bool:
    """Adaptive or manual thinking was asked for, or omitted on a model that thinks by default."""
    thinking = body.get("thinking")
    if thinking is None:
        return info.thinks_by_default
    return thinking.get("type") in (ADAPTIVE, ENABLED)


def thinks_here(body: dict[str, Any], info: ModelInfo) -> bool:
    """The default reply thinks when the request asks for thinking by name.

    A model that thinks by default does so adaptively: for a request that names no `thinking`,
    the simulator takes adaptive thinking's choice not to think (no thinking block), as recorded
    real streams of such models show for short questions.
    """
    return body.get("thinking") is not None and wants_thinking(body, info)


def shows_thinking(body: dict[str, Any], info: ModelInfo) -> bool:
    """True when thinking text is streamed (display "summarized"), False for "omitted"."""
    display = (body.get("thinking") or {}).get("display")
    if display is not None:
        return bool(display == "summarized")
    # Claude 4.6 and older (the standard image tier) summarize by default; 4.7+ omit.
    return info.image_long_edge == STANDARD_IMAGE_EDGE


def default_text(body: dict[str, Any], budget: int | None = None) -> str:
    """Markdown that quotes the question and states what the simulator saw, at the length the question asks."""
    prompt, images, documents = prompt_of(body)
    asked = asked_length(prompt)
    seen = context_sentence(context_of(body))
    if asked.length == "long":
        limit = (body["max_tokens"] if budget is None else budget) * CHARS_PER_TOKEN
        return _with_seen(long_text(prompt, asked, limit), seen)
    if asked.length == "short":
        return _with_seen(short_text(prompt, asked.words), seen)
    mark = fingerprint(prompt)
    extra = element_sections(prompt, asked.elements)
    return (
        f'{LABEL} You asked: "{quote(prompt)}"\n\n'
        + seen
        + "This answer comes from `claude_magic.simulator`, a local stand-in for the "
        "Messages API; no model ran.\n\n"
        f"- model: `{body['model']}`\n"
        f"- messages in the conversation: {len(body['messages'])}\n"
        f"- attachments in your message: {plural(images, 'image')}, {plural(documents, 'document')}\n"
        f"- prompt fingerprint: `{mark}`\n\n"
        "```python\n"
        f"words = {len(prompt.split())}  # words in your prompt\n"
        f'print(f"{{words}} words, fingerprint {mark}")\n'
        "```\n" + "".join(f"\n{section}\n" for section in extra)
    )


def _with_seen(text: str, seen: str) -> str:
    """`text` with the context sentence after its first paragraph."""
    head, sep, rest = text.partition("\n\n")
    return head + "\n\n" + seen + rest if sep else text + ("\n\n" + seen.rstrip() if seen else "")


def default_thinking(body: dict[str, Any]) -> str:
    """Deterministic stand-in thinking text for the default reply."""
    prompt, images, documents = prompt_of(body)
    return (
        f'The user wrote {plural(len(prompt.split()), "word")}, starting "{quote(prompt, 40)}". '
        "This is the claude_magic simulator, so no real reasoning happens here. "
        f"I will give a short labelled reply naming {body['model']}. "
        f"It should count {plural(len(body['messages']), 'message')} and {plural(images + documents, 'attachment')}."
    )


def text_blocks(text: str, citations: tuple[Dict, ...]) -> list[Dict]:
    """Text blocks; with citations, the last sentence becomes its own block that carries them all."""
    if not citations:
        return [{"type": "text", "text": text}] if text else []
    match = _LAST_SENTENCE.match(text)
    plain, cited = (text[: match.end()], text[match.end() :]) if match else ("", text)
    head = [{"type": "text", "text": plain}] if plain else []
    return [*head, {"type": "text", "text": cited, "citations": [dict(c) for c in citations]}]


def _thinking(thinking: str | None, visible: bool) -> list[Dict]:
    """Zero or one thinking block; with display omitted its text is empty and the signature covers that."""
    if thinking is None:
        return []
    shown = thinking if visible else ""
    return [{"type": "thinking", "thinking": shown, "signature": sign_thinking(thinking, shown)}]
