"""A deterministic instance of a JSON schema: the input of a default tool call, or a structured-output reply."""

from __future__ import annotations

import re
from typing import Any

MAX_DEPTH = 8
_HINT = re.compile(r"([A-Za-z_][\w-]*)=([^\s,;]+)")
_FORMATS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
Schema = dict[str, Any]


def hints_from(prompt: str) -> dict[str, str]:
    """`name=value` pairs written in a prompt (the first value of each name wins)."""
    hints: dict[str, str] = {}
    for name, value in _HINT.findall(prompt):
        hints.setdefault(name, value.rstrip(".!?"))
    return hints


def resolve(ref: str, root: Schema) -> Schema:
    """The subschema a local `$ref` ("#/$defs/Name") points at; {} when it points nowhere."""
    node = lookup(ref, root)
    return node if isinstance(node, dict) else {}


def lookup(ref: str, root: Schema) -> Any:
    """What a local `$ref` points at; None when it is not local or points nowhere."""
    if not ref.startswith("#"):
        return None
    node: Any = root
    for part in ref.removeprefix("#").split("/"):
        if part:
            node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
    return node


def instance(schema: Any, root: Schema, hints: dict[str, str] | None = None) -> Any:
    """A value that validates against `schema`: required properties only, first enum/anyOf option."""
    return _value(schema, root, hints or {}, "", 0)


def _value(schema: Any, root: Schema, hints: dict[str, str], name: str, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _value({**resolve(str(schema["$ref"]), root), **_without(schema, "$ref")}, root, hints, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return _value(_pick(schema[key], root), root, hints, name, depth + 1)
    if schema.get("allOf"):
        return _value(_merged(schema, root), root, hints, name, depth + 1)
    return _typed(schema, _type_of(schema), root, hints, name, depth)


def _typed(schema: Schema, kind: str, root: Schema, hints: dict[str, str], name: str, depth: int) -> Any:
    if kind == "object":
        return _object(schema, root, hints, depth)
    if kind == "array":
        return _array(schema, root, hints, name, depth)
    if kind == "integer":
        return _number(hints.get(name), int, 1)
    if kind == "number":
        return _number(hints.get(name), float, 1.0)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return hints.get(name) or _FORMATS.get(str(schema.get("format")), "example")


def _object(schema: Schema, root: Schema, hints: dict[str, str], depth: int) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    required = [n for n in schema.get("required") or [] if isinstance(n, str)]
    return {n: _value(properties.get(n, {}), root, hints, n, depth + 1) for n in required}


def _array(schema: Schema, root: Schema, hints: dict[str, str], name: str, depth: int) -> list[Any]:
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list):
        return [_value(item, root, hints, name, depth + 1) for item in prefix]
    return [_value(schema.get("items", {}), root, hints, name, depth + 1)]


def _number(hint: str | None, kind: type[int] | type[float], default: float) -> Any:
    try:
        return kind(hint) if hint is not None else kind(default)
    except ValueError:
        return kind(default)


def _type_of(schema: Schema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        return "object" if "properties" in schema else "array" if "items" in schema else "string"
    return str(kind)


def _pick(options: list[Any], root: Schema) -> Any:
    """The first option that is not `null`, else the first option."""
    for option in options:
        target = resolve(option["$ref"], root) if isinstance(option, dict) and "$ref" in option else option
        if isinstance(target, dict) and target.get("type") != "null":
            return option
    return options[0]


def _merged(schema: Schema, root: Schema) -> Schema:
    """allOf folded into one schema: properties and required lists joined."""
    merged: Schema = _without(schema, "allOf")
    for part in schema["allOf"]:
        part = resolve(part["$ref"], root) if isinstance(part, dict) and "$ref" in part else part
        if not isinstance(part, dict):
            continue
        merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
        merged["required"] = [*merged.get("required", []), *part.get("required", [])]
        merged.setdefault("type", part.get("type"))
    return merged


def _without(schema: Schema, key: str) -> Schema:
    return {k: v for k, v in schema.items() if k != key}
