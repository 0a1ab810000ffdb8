"""A deterministic instance of a JSON schema: the input of a default tool call, or a structured-output reply.

What the question says fills it in: `name=value` (or `name 12.5`) sets the property `name`; an
integer property that is required, or named like a count (QUANTITY_NAMES), takes the first free
integer of the question ("3 units" -> 3); an enum takes the option the question names, and a
sentiment enum the label of `sentiment.py`'s cue-word rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .sentiment import is_sentiment_enum, pick, sentiment

MAX_DEPTH = 8
QUANTITY_NAMES = frozenset({"quantity", "qty", "count", "n", "number", "units", "copies", "times", "items"})
CONFIDENCE_NAMES = frozenset({"confidence", "certainty", "probability", "score"})
_HINT = re.compile(r"([A-Za-z_][\w-]*)=([^\s,;]+)")
_PROSE_NUMBER = re.compile(
    r"\b([A-Za-z_]\w*)\s+(?:of\s+|is\s+|:\s*)?(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\b"
)
_FREE_INT = re.compile(r"(?<![\w.,=-])(\d{1,9})(?![\w.]|,\d)")
_FORMATS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
Schema = dict[str, Any]


@dataclass(frozen=True)
class Fill:
    """What fills an instance: values by property name, the question's first free integer, the question."""

    hints: dict[str, str] = field(default_factory=dict)
    free_int: int | None = None
    text: str = ""


def fill_from(question: str, extra: dict[str, str] | None = None) -> Fill:
    """The Fill a question gives; `extra` values win over the question's."""
    hints = {**hints_from(question), **(extra or {})}
    bare = _HINT.sub(" ", question)
    free = _FREE_INT.search(bare)
    return Fill(hints, int(free.group(1)) if free else None, question)


def hints_from(prompt: str) -> dict[str, str]:
    """`name=value` pairs, then `name 12.5` numbers, written in a prompt (the first value of each name wins)."""
    hints: dict[str, str] = {}
    for name, value in _HINT.findall(prompt):
        hints.setdefault(name, value.rstrip(".!?"))
    for name, value in _PROSE_NUMBER.findall(prompt):
        hints.setdefault(name, value.replace(",", ""))
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


def instance(schema: Any, root: Schema, fill: Fill | None = None) -> Any:
    """A value that validates against `schema`: required properties (and hinted ones), first anyOf option."""
    return _value(schema, root, fill or Fill(), "", 0)


def _value(schema: Any, root: Schema, fill: Fill, name: str, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _value({**resolve(str(schema["$ref"]), root), **_without(schema, "$ref")}, root, fill, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return _enum(list(schema["enum"]), fill, name)
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return _value(_pick(schema[key], root), root, fill, name, depth + 1)
    if schema.get("allOf"):
        return _value(_merged(schema, root), root, fill, name, depth + 1)
    return _typed(schema, _type_of(schema), root, fill, name, depth)


def _enum(options: list[Any], fill: Fill, name: str) -> Any:
    """The option hinted by name, else the sentiment rule's label, else the first option."""
    hinted = [o for o in options if str(o) == fill.hints.get(name)]
    if hinted:
        return hinted[0]
    return pick(options, fill.text) if is_sentiment_enum(options) else options[0]


def _typed(schema: Schema, kind: str, root: Schema, fill: Fill, name: str, depth: int) -> Any:
    if kind == "object":
        return _object(schema, root, fill, depth)
    if kind == "array":
        return _array(schema, root, fill, name, depth)
    if kind == "integer":
        return _number(fill.hints.get(name), int, fill.free_int or 1)
    if kind == "number":
        return _number(fill.hints.get(name), float, _default_number(name, fill))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return fill.hints.get(name) or _FORMATS.get(str(schema.get("format")), "example")


def _default_number(name: str, fill: Fill) -> float:
    """1.0, or a confidence-named property's confidence by the sentiment rule."""
    return sentiment(fill.text)[1] if name.lower() in CONFIDENCE_NAMES else 1.0


def _object(schema: Schema, root: Schema, fill: Fill, depth: int) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict):
        properties = {}
    required = [n for n in schema.get("required") or [] if isinstance(n, str)]
    wanted = required + [n for n in properties if n not in required and _filled(n, properties[n], fill)]
    return {n: _value(properties.get(n, {}), root, fill, n, depth + 1) for n in wanted}


def _filled(name: str, schema: Any, fill: Fill) -> bool:
    """An optional property the question gives a value for: a hint, or a count-named integer."""
    if name in fill.hints:
        return True
    kind = _type_of(schema) if isinstance(schema, dict) else ""
    return kind == "integer" and name.lower() in QUANTITY_NAMES and fill.free_int is not None


def _array(schema: Schema, root: Schema, fill: Fill, name: str, depth: int) -> list[Any]:
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list):
        return [_value(item, root, fill, name, depth + 1) for item in prefix]
    return [_value(schema.get("items", {}), root, fill, name, depth + 1)]


def _number(hint: str | None, kind: type[int] | type[float], default: float) -> Any:
    """The hint as `kind` when it is a finite number (`12.5` for an integer gives 12), else the default."""
    try:
        value = float(hint) if hint is not None else default
    except ValueError:
        value = default
    if not math.isfinite(value):
        value = default
    return kind(value) if kind is float else kind(int(value))


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
