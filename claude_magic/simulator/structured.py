"""Structured outputs: the `output_config.format` checks, with the subset of JSON Schema the API supports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .conversation import is_paused, merge_turns
from .errors import invalid
from .media import all_blocks
from .schema import lookup, resolve

WHERE = "output_config.format.schema"
# Keywords the grammar compiler rejects, by the type they constrain (ANTHROPIC_API.md section 12).
UNSUPPORTED = {
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "integer": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "string": ("minLength", "maxLength"),
}
_CHILD_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_CHILD_SCHEMAS = ("items", "not", "additionalProperties")
RECURSIVE = f"{WHERE}: Recursive schemas are not supported"
# Unverified: no recorded response shows the API's message for a $ref that points nowhere (a 400
# invalid_request_error, as for every other schema it cannot compile); this wording is ours.
DANGLING = WHERE + ": $ref '{ref}' does not resolve to a definition in the schema"
WITH_CITATIONS = "output_config.format: Structured outputs cannot be used with citations enabled on a document."
WITH_PREFILL = "output_config.format: Structured outputs cannot be used with assistant message prefill."
Schema = dict[str, Any]


def output_format(body: dict[str, Any]) -> Schema | None:
    """The requested JSON schema, or None when the request asks for free text."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    return fmt.get("schema") if isinstance(fmt, dict) and isinstance(fmt.get("schema"), dict) else None


def check_output_format(body: dict[str, Any]) -> None:
    """400 on a malformed format, an unsupported schema, citations or a prefill alongside it."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    if fmt is None:
        return
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        raise invalid("output_config.format.type: Input should be 'json_schema'")
    schema = fmt.get("schema")
    if not isinstance(schema, dict):
        raise invalid(f"{WHERE}: Field required")
    check_schema(schema)
    if any(_cites(b) for b in all_blocks(body["messages"])):
        raise invalid(WITH_CITATIONS)
    messages = body["messages"]
    if messages[-1].get("role") == "assistant" and not is_paused(merge_turns(messages)):
        raise invalid(WITH_PREFILL)


def check_schema(schema: Schema) -> None:
    """The root is an object schema, and every subschema stays within the supported subset."""
    if schema.get("type") != "object":
        raise invalid(f"{WHERE}: The root schema must have type 'object'")
    for node in _walk(schema, schema, ()):
        _check_node(node)


def _walk(node: Any, root: Schema, refs: tuple[str, ...]) -> Iterator[Schema]:
    """Every subschema, following local `$ref`s; a `$ref` met again inside itself is recursion."""
    if not isinstance(node, dict):
        return
    yield node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in refs:
            raise invalid(RECURSIVE)
        if lookup(ref, root) is None:
            raise invalid(DANGLING.format(ref=ref))
        yield from _walk(resolve(ref, root), root, (*refs, ref))
    for child in _children(node):
        yield from _walk(child, root, refs)


def _children(node: Schema) -> Iterator[Any]:
    for key in _CHILD_LISTS:
        if isinstance(node.get(key), list):
            yield from node[key]
    for key in _CHILD_SCHEMAS:
        yield node.get(key)
    if isinstance(node.get("properties"), dict):
        yield from node["properties"].values()


def _check_node(node: Schema) -> None:
    declared = node.get("type")
    kinds: list[Any] = declared if isinstance(declared, list) else [declared]
    if ("object" in kinds or "properties" in node) and node.get("additionalProperties") is not False:
        raise invalid(f"{WHERE}: For 'object' type, 'additionalProperties' must be explicitly set to false")
    if "array" in kinds and node.get("minItems", 0) not in (0, 1):
        raise invalid(f"{WHERE}: For 'array' type, 'minItems' values other than 0 or 1 are not supported")
    for kind in kinds:
        for keyword in UNSUPPORTED.get(str(kind), ()):
            if keyword in node:
                raise invalid(f"{WHERE}: For '{kind}' type, property '{keyword}' is not supported")


def _cites(block: dict[str, Any]) -> bool:
    return block.get("type") == "document" and bool((block.get("citations") or {}).get("enabled"))
