"""What an MCP server's tool list may put in a request: names the API takes, descriptions and schemas it can carry.

A server names its tools as it likes (`files.read`, `read file`, 200 characters); the Messages API takes
only names matching `API_NAME_PATTERN`, and one bad name makes every request of the cell a 400. So every
tool gets an alias: its own name when the API takes it and no other tool of the cell has it, else
`SERVER__TOOL` for a name two servers share, with every character the API refuses turned into `_`, cut
to fit, and given a short stable hash of (server, name) when cutting or replacing could make it clash.
The server is always called by its own name. A description is cut to `DESCRIPTION_CHARS`; a tool whose
schema the API would refuse is left out, with the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

API_NAME_PATTERN = "^[a-zA-Z0-9_-]{1,128}$"  # the API's rule for a custom tool's name
MAX_NAME = 128
DESCRIPTION_CHARS = 10_000  # a description past this is cut: it would be sent in every request of the cell
SCHEMA_CHARS = 100_000  # a bigger input schema is left out: the API has no use for it, the bill would
SEPARATOR = "__"  # SERVER__TOOL when two servers offer the same tool name
SHOWN_CHARS = 60
_API_NAME = re.compile(API_NAME_PATTERN.strip("^$"))
_REFUSED = re.compile(r"[^a-zA-Z0-9_-]")
_HASH_CHARS = 8


def valid(name: str) -> bool:
    """The API takes `name` as a custom tool's name."""
    return _API_NAME.fullmatch(name) is not None


def aliases(tools: Sequence[tuple[str, str]]) -> list[str]:
    """A name for each (server, tool name) that the API takes, unique in the list, the same for the same list."""
    shared = {name for name, count in Counter(name for _, name in set(tools)).items() if count > 1}
    wanted = [f"{server}{SEPARATOR}{name}" if name in shared else name for server, name in tools]
    names = [_cleaned(server, name, want) for (server, name), want in zip(tools, wanted, strict=True)]
    clashing = {name for name, count in Counter(names).items() if count > 1}
    return [
        _hashed(alias, server, name) if alias in clashing and alias != name else alias
        for (server, name), alias in zip(tools, names, strict=True)
    ]


def _cleaned(server: str, name: str, wanted: str) -> str:
    if valid(wanted):
        return wanted
    cleaned = _REFUSED.sub("_", wanted) or "tool"
    return cleaned if len(cleaned) <= MAX_NAME else _hashed(cleaned, server, name)


def _hashed(alias: str, server: str, name: str) -> str:
    digest = hashlib.sha256(f"{server}\0{name}".encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    return f"{alias[: MAX_NAME - _HASH_CHARS - 1]}_{digest}"


def shown(name: str) -> str:
    """A server's tool name for a line or a row: control characters escaped, cut to SHOWN_CHARS."""
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name) or "(empty name)"
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def description(text: str) -> str:
    """The description as sent: cut to DESCRIPTION_CHARS."""
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"


def schema_problem(schema: Any) -> str | None:
    """Why the API would refuse `schema` as an input_schema, or None if it is fit to send."""
    import jsonschema

    if not isinstance(schema, dict) or schema.get("type") != "object":
        return "its input schema is not a JSON object schema"
    try:
        size = len(json.dumps(schema, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        return "its input schema is not plain JSON"
    if size > SCHEMA_CHARS:
        return f"its input schema is {size:,} characters (at most {SCHEMA_CHARS:,})"
    try:
        jsonschema.Draft202012Validator.check_schema(schema)  # the API's own rule for input_schema
    except RecursionError:
        return "its input schema is nested too deeply"
    except jsonschema.SchemaError as error:
        return f"its input schema is not valid JSON Schema 2020-12 ({' '.join(error.message.split())[:80]})"
    return None
