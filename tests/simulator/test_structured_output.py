"""Structured outputs: the schema subset and incompatibilities the API enforces, and the default JSON reply."""

from __future__ import annotations

import json
from typing import Any, Literal

import anthropic
import pytest
from pydantic import BaseModel

from claude_magic.simulator import ScriptedReply

from .helpers import MODEL

ASK = [{"role": "user", "content": "Describe the order with customer=Ada."}]
WHERE = "output_config.format.schema"


def obj(properties: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A closed object schema that requires every property."""
    props = properties or {}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False, **extra}


def fmt(schema: dict[str, Any]) -> dict[str, Any]:
    return {"format": {"type": "json_schema", "schema": schema}}


def rejected(client: anthropic.Anthropic, schema: dict[str, Any], model: str = MODEL, messages: Any = ASK) -> str:
    """Send through the real SDK; the 400 invalid_request_error's message."""
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model=model, max_tokens=512, messages=messages, output_config=fmt(schema))
    assert info.value.status_code == 400 and info.value.type == "invalid_request_error"
    return info.value.api_message


def reply_json(client: anthropic.Anthropic, schema: dict[str, Any], messages: Any = ASK, **kwargs: Any) -> Any:
    message = client.messages.create(
        model=MODEL, max_tokens=2048, messages=messages, output_config=fmt(schema), **kwargs
    )
    texts = [b.text for b in message.content if b.type == "text"]
    assert message.stop_reason == "end_turn" and len(texts) == 1
    return json.loads(texts[0])


def test_an_object_without_additional_properties_false_is_rejected(client):
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert (
        rejected(client, schema)
        == f"{WHERE}: For 'object' type, 'additionalProperties' must be explicitly set to false"
    )


def test_a_nested_open_object_is_rejected(client):
    schema = obj({"inner": {"type": "object", "properties": {}, "additionalProperties": True}})
    assert "'additionalProperties' must be explicitly set to false" in rejected(client, schema)


def test_min_items_above_one_is_rejected(client):
    schema = obj({"tags": {"type": "array", "items": {"type": "string"}, "minItems": 2}})
    assert (
        rejected(client, schema) == f"{WHERE}: For 'array' type, 'minItems' values other than 0 or 1 are not supported"
    )


@pytest.mark.parametrize(
    ("kind", "keyword", "value"),
    [("integer", "minimum", 1), ("number", "maximum", 9.5), ("string", "maxLength", 10), ("string", "minLength", 2)],
)
def test_numeric_and_length_constraints_are_rejected(client, kind, keyword, value):
    schema = obj({"field": {"type": kind, keyword: value}})
    assert rejected(client, schema) == f"{WHERE}: For '{kind}' type, property '{keyword}' is not supported"


def test_a_recursive_ref_is_rejected(client):
    node = obj({"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}})
    schema = obj({"root": {"$ref": "#/$defs/Node"}}, **{"$defs": {"Node": node}})
    assert rejected(client, schema) == f"{WHERE}: Recursive schemas are not supported"


def test_the_root_must_be_an_object_schema(client):
    assert rejected(client, {"type": "array", "items": {"type": "string"}}) == (
        f"{WHERE}: The root schema must have type 'object'"
    )


def test_the_format_type_must_be_json_schema(client):
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(
            model=MODEL, max_tokens=512, messages=ASK, output_config={"format": {"type": "regex", "schema": obj()}}
        )
    assert info.value.api_message == "output_config.format.type: Input should be 'json_schema'"


def test_citations_on_a_document_are_incompatible_with_a_format(client):
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "The sky is blue."},
        "citations": {"enabled": True},
    }
    messages = [{"role": "user", "content": [document, {"type": "text", "text": "Colour?"}]}]
    message = rejected(client, obj({"colour": {"type": "string"}}), messages=messages)
    assert message == "output_config.format: Structured outputs cannot be used with citations enabled on a document."


def test_a_prefill_is_incompatible_with_a_format(client):
    messages = [*ASK, {"role": "assistant", "content": "{"}]
    client.messages.create(model="claude-haiku-4-5", max_tokens=512, messages=messages)  # a prefill alone is fine here
    message = rejected(client, obj(), model="claude-haiku-4-5", messages=messages)
    assert message == "output_config.format: Structured outputs cannot be used with assistant message prefill."


def test_the_default_reply_is_json_that_fits_the_schema(client):
    line = obj({"sku": {"type": "string"}, "qty": {"type": "integer"}})
    schema = obj(
        {
            "customer": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "kind": {"const": "order"},
            "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}},
            "discount": {"anyOf": [{"type": "null"}, {"type": "number"}]},
            "paid": {"type": "boolean"},
            "meta": obj({"created": {"type": "string", "format": "date"}}),
        },
        **{"$defs": {"Line": line}},
    )
    schema["properties"]["note"] = {"type": "string"}  # optional: left out
    assert reply_json(client, schema) == {
        "customer": "Ada",
        "status": "open",
        "kind": "order",
        "lines": [{"sku": "example", "qty": 1}],
        "discount": 1.0,
        "paid": True,
        "meta": {"created": "2026-01-01"},
    }


def test_the_sdk_parses_the_default_reply_into_its_model(client):
    class Line(BaseModel):
        sku: str
        qty: int

    class Order(BaseModel):
        customer: str
        status: Literal["open", "closed"]
        lines: list[Line]
        note: str | None

    parsed = client.messages.parse(model=MODEL, max_tokens=2048, messages=ASK, output_format=Order).parsed_output
    assert parsed == Order(customer="Ada", status="open", lines=[Line(sku="example", qty=1)], note="example")


def test_a_scripted_text_reply_wins_over_the_format(client, sim):
    sim.queue(ScriptedReply(text="not json"))
    message = client.messages.create(model=MODEL, max_tokens=512, messages=ASK, output_config=fmt(obj()))
    assert [b.text for b in message.content if b.type == "text"] == ["not json"]


def test_after_tool_results_the_reply_is_still_json(client):
    tool = {"name": "lookup", "input_schema": {"type": "object"}}
    first = client.messages.create(
        model=MODEL, max_tokens=1024, messages=[{"role": "user", "content": "Use lookup."}], tools=[tool]
    )
    use = next(b for b in first.content if b.type == "tool_use")
    result = {"type": "tool_result", "tool_use_id": use.id, "content": "found"}
    messages = [{"role": "user", "content": "Use lookup."}, first.to_param(), {"role": "user", "content": [result]}]
    assert reply_json(client, obj({"answer": {"type": "string"}}), messages=messages, tools=[tool]) == {
        "answer": "example"
    }


def test_a_ref_that_points_nowhere_is_rejected(client):
    schema = obj({"a": {"$ref": "#/$defs/Missing"}})
    assert rejected(client, schema) == f"{WHERE}: $ref '#/$defs/Missing' does not resolve to a definition in the schema"
