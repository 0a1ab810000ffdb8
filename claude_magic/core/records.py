"""Exchanges, replies and usage <-> plain JSON-ready dicts, versioned, plus flat rows and Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, fields
from typing import Any

from .errors import TranscriptFileError
from .tools import ToolCall
from .transcript import Exchange, Reply, Transcript
from .usage import Usage

# Bump when a record changes shape; loading a newer version is refused, never guessed at.
FORMAT_VERSION = 1
EXCHANGE = "exchange"
ONE_SHOT = "one_shot"  # completed with history off: not part of any chat
FAILED = "failed"


def usage_to_dict(usage: Usage) -> dict[str, Any]:
    return asdict(usage)


def usage_from_dict(data: dict[str, Any]) -> Usage:
    return Usage(**{**data, "separate_iterations": tuple(data.get("separate_iterations", ()))})


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    """Every field of the reply; `content` keeps the exact blocks, thinking signatures included."""
    data = asdict(reply)
    data["usage"] = usage_to_dict(reply.usage)
    return data


def reply_from_dict(data: dict[str, Any]) -> Reply:
    fields = dict(data)
    fields["usage"] = usage_from_dict(fields["usage"])
    fields["citations"] = tuple(fields["citations"])
    fields["content"] = tuple(fields["content"])
    fields["tool_calls"] = tuple(_tool_call(call) for call in fields.get("tool_calls", ()))
    return Reply(**fields)


def _tool_call(data: dict[str, Any]) -> ToolCall:
    content = data.get("content", "")
    return ToolCall(**{**data, "content": content if isinstance(content, str) else tuple(content)})


def exchange_record(exchange: Exchange, chat: str, kind: str = EXCHANGE) -> dict[str, Any]:
    """One completed exchange as a versioned record (one JSON line); loading skips kinds other than EXCHANGE."""
    return {
        "version": FORMAT_VERSION,
        "kind": kind,
        "chat": chat,
        "prompt": exchange.prompt,
        "user_content": list(exchange.user_content),
        "attachments": list(exchange.attachments),
        "created_at": exchange.created_at,
        "reply": reply_to_dict(exchange.reply),
    }


def failed_record(chat: str, prompt: str, created_at: float, reply: Reply | None, error: str) -> dict[str, Any]:
    """A failed or interrupted call, for the autosave log; loading skips it."""
    return {
        "version": FORMAT_VERSION,
        "kind": FAILED,
        "chat": chat,
        "prompt": prompt,
        "created_at": created_at,
        "error": error,
        "reply": reply_to_dict(reply) if reply is not None else None,
    }


def exchange_from_record(record: dict[str, Any]) -> Exchange:
    return Exchange(
        prompt=record["prompt"],
        user_content=tuple(record["user_content"]),
        reply=reply_from_dict(record["reply"]),
        created_at=float(record["created_at"]),
        attachments=tuple(record.get("attachments", ())),
    )


def transcript_records(transcript: Transcript, chat: str | None = None) -> Iterator[dict[str, Any]]:
    """Every exchange of one chat (or of all chats), in order."""
    for name in _chat_names(transcript, chat):
        for exchange in transcript.chats[name].exchanges:
            yield exchange_record(exchange, name)


def dumps(record: dict[str, Any]) -> str:
    """One JSON line (no newline); non-ASCII kept readable."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def parse_lines(lines: Iterable[str], source: str) -> list[tuple[str, Exchange]]:
    """(chat, exchange) for each exchange record; any bad line raises before anything is returned."""
    parsed: list[tuple[str, Exchange]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = parse_record(line, number, source)
        if record.get("kind") == EXCHANGE:
            exchange = _exchange_at(record, number, source)  # checks "chat" too
            parsed.append((record["chat"], exchange))
    return parsed


def parse_record(line: str, number: int, source: str) -> dict[str, Any]:
    """One versioned record from line `number` of `source`; a bad or newer line raises naming it."""
    record = _json_at(line, number, source)
    version = record.get("version") if isinstance(record, dict) else None
    if not isinstance(record, dict) or type(version) is not int or version < 1:
        raise TranscriptFileError(f"{source}, line {number}: not a transcript record; the file was not loaded.")
    if version > FORMAT_VERSION:
        raise TranscriptFileError(
            f"{source}, line {number}: written by a newer claude_magic (format {version}, "
            f"this one reads up to {FORMAT_VERSION}); upgrade claude_magic to load it."
        )
    return record


def _json_at(line: str, number: int, source: str) -> Any:
    try:
        return json.loads(line)
    except RecursionError:
        problem = "nested too deeply to be a transcript record"
    except ValueError as error:  # JSONDecodeError, and integers too long to convert
        problem = f"not valid JSON ({getattr(error, 'msg', error)})"
    raise TranscriptFileError(f"{source}, line {number}: {problem}; the file was not loaded.")


def _exchange_at(record: dict[str, Any], number: int, source: str) -> Exchange:
    problem = shape_problem(record)
    if problem is None:
        try:
            return exchange_from_record(record)
        except (KeyError, TypeError, ValueError) as error:
            problem = f"{type(error).__name__}: {error}"
    raise TranscriptFileError(
        f"{source}, line {number}: a malformed exchange record ({problem}); the file was not loaded."
    )


# -- the shape of an exchange record ----------------------------------------------------------
# Each field's JSON kind; "?" allows null. Reply and usage fields beyond these cannot be restored.

_RECORD = {"chat": "name", "prompt": "str", "user_content": "blocks+", "attachments": "blocks", "created_at": "number"}
_RECORD_REQUIRED = ("chat", "prompt", "user_content", "created_at", "reply")
# The JSON kind of each Reply annotation; a Reply field of another type fails here, at import.
_KIND_OF_ANNOTATION = {
    "str": "str",
    "str | None": "str?",
    "bool": "bool",
    "float | None": "number?",
    "Usage": "object",
    "tuple[dict[str, Any], ...]": "blocks",
    "tuple[ToolCall, ...]": "blocks",
    "dict[str, Any] | None": "object?",
    "int": "int",
}
_REPLY = {f.name: _KIND_OF_ANNOTATION[str(f.type)] for f in fields(Reply)}
_REPLY_REQUIRED = ("text", "thinking", "citations", "usage", "stop_reason", "model", "message_id")
_USAGE = {name: "int" for name in Usage.__dataclass_fields__}
_USAGE |= {"thinking_tokens": "int?", "separate_iterations": "blocks"}

_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "name": (lambda v: isinstance(v, str) and v != "", "a non-empty string"),
    "int": (lambda v: type(v) is int, "an integer"),
    "number": (lambda v: type(v) in (int, float), "a number"),
    "bool": (lambda v: type(v) is bool, "true or false"),
    "object": (lambda v: isinstance(v, dict), "an object"),
    "blocks": (lambda v: _is_blocks(v), "a list of objects"),
    "blocks+": (lambda v: _is_blocks(v) and v != [], "a non-empty list of objects"),
}


def _is_blocks(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(block, dict) for block in value)


def shape_problem(record: dict[str, Any]) -> str | None:
    """What is wrong with an exchange record's fields and their JSON kinds, or None when it can be restored."""
    problem = _fields_problem(record, {**_RECORD, "reply": "object"}, _RECORD_REQUIRED, "", extra=True)
    if problem is None:
        problem = _fields_problem(record["reply"], _REPLY, _REPLY_REQUIRED, "reply.")
    if problem is None:
        problem = _fields_problem(record["reply"]["usage"], _USAGE, (), "reply.usage.")
    return problem


def _fields_problem(
    data: dict[str, Any], kinds: dict[str, str], required: tuple[str, ...], prefix: str, extra: bool = False
) -> str | None:
    missing = [name for name in required if name not in data]
    unknown = [] if extra else [name for name in data if name not in kinds]
    if missing or unknown:
        return f"{prefix}{(missing or unknown)[0]} is {'missing' if missing else 'not a known field'}"
    for name, kind in kinds.items():
        if name in data and not _fits(data[name], kind):
            return f"{prefix}{name} must be {_KINDS[kind.rstrip('?')][1]}, not {_json_kind(data[name])}"
    return None


def _fits(value: Any, kind: str) -> bool:
    return (value is None and kind.endswith("?")) or _KINDS[kind.rstrip("?")][0](value)


def _json_kind(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _chat_names(transcript: Transcript, chat: str | None) -> list[str]:
    if chat is None:
        return list(transcript.chats)
    return [chat] if chat in transcript.chats else []


# -- flat rows, one per message -----------------------------------------------------------

MESSAGE_COLUMNS = (
    "chat",
    "turn",
    "role",
    "text",
    "thinking",
    "citations",
    "attachments",
    "model",
    "stop_reason",
    "refusal",
    "input_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "output_tokens",
    "cost_usd",
    "created_at",
    "message_id",
    "request_id",
)


def message_rows(transcript: Transcript, chat: str | None = None) -> list[dict[str, Any]]:
    """Two rows per exchange (user, then assistant); reply-only fields are None on user rows."""
    rows: list[dict[str, Any]] = []
    for name in _chat_names(transcript, chat):
        for turn, exchange in enumerate(transcript.chats[name].exchanges, start=1):
            rows += [_user_row(name, turn, exchange), _assistant_row(name, turn, exchange)]
    return rows


def _user_row(chat: str, turn: int, exchange: Exchange) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(MESSAGE_COLUMNS)
    row.update(chat=chat, turn=turn, role="user", text=exchange.prompt, created_at=exchange.created_at)
    row.update(citations=[], attachments=[dict(a) for a in exchange.attachments])
    return row


def _assistant_row(chat: str, turn: int, exchange: Exchange) -> dict[str, Any]:
    reply, usage = exchange.reply, exchange.reply.usage
    return {
        "chat": chat,
        "turn": turn,
        "role": "assistant",
        "text": reply.text,
        "thinking": reply.thinking or None,
        "citations": [dict(c) for c in reply.citations],
        "attachments": [],
        "model": reply.model,
        "stop_reason": reply.stop_reason,
        "refusal": reply.refusal or None,
        "input_tokens": usage.input_tokens,
        "cache_read_input_tokens": usage.cache_read_input_tokens,
        "cache_creation_input_tokens": usage.cache_creation_input_tokens,
        "output_tokens": usage.output_tokens,
        "cost_usd": reply.cost_usd,
        "created_at": exchange.created_at,
        "message_id": reply.message_id or None,
        "request_id": reply.request_id,
    }


# -- Markdown -------------------------------------------------------------------------------


def transcript_markdown(transcript: Transcript, chat: str | None = None) -> str:
    """The chats as Markdown: a heading per chat, each prompt quoted, each reply with its summary."""
    parts = ["# Claude transcript"]
    for name in _chat_names(transcript, chat):
        parts.append(f"## Chat `{name}`")
        for turn, exchange in enumerate(transcript.chats[name].exchanges, start=1):
            parts.append(_exchange_markdown(turn, exchange))
    return "\n\n".join(parts) + "\n"


def _exchange_markdown(turn: int, exchange: Exchange) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in exchange.prompt.splitlines())
    reply = exchange.reply
    thinking = f"<details><summary>Thinking</summary>\n\n{reply.thinking}\n\n</details>\n\n" if reply.thinking else ""
    return f"### {turn}. User\n\n{quoted}\n\n### {turn}. Claude\n\n{thinking}{reply.text}\n\n*{reply.summary()}*"
