"""Structured output: schemas from types and dicts, replies parsed back, and --as-frame."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Any, Literal

import pandas as pd
import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from claude_magic.core.errors import SchemaError, StructuredOutputError
from claude_magic.tools.structured import RAW_KEPT, as_frame, output_schema, parse_json


class City(BaseModel):
    name: str
    population: int = Field(ge=0)


class Cities(BaseModel):
    cities: list[City]


@dataclasses.dataclass
class Point:
    x: float
    y: float


class Span(TypedDict):
    start: int
    end: int


OBJECT_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1}},
    "required": ["answer", "confidence"],
}


def test_a_model_becomes_an_api_compatible_format():
    schema = output_schema(City, "City")
    assert schema.format == {
        "type": "json_schema",
        "schema": {
            "type": "object",
            "title": "City",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "title": "Name"},
                "population": {"type": "integer", "title": "Population", "description": "{minimum: 0}"},
            },
            "required": ["name", "population"],
        },
    }
    assert schema.output_config() == {"format": schema.format}


def test_a_list_of_models_travels_inside_an_object_and_keeps_its_definitions():
    schema = output_schema(list[City], "cities").format["schema"]
    assert schema["type"] == "object" and schema["required"] == ["items"] and schema["additionalProperties"] is False
    assert schema["properties"]["items"] == {"type": "array", "items": {"$ref": "#/$defs/City"}}
    assert schema["$defs"]["City"]["additionalProperties"] is False


def test_a_list_reply_without_its_wrapper_is_one_line():
    with pytest.raises(StructuredOutputError) as caught:
        output_schema(list[City], "cities").parse('[{"name": "Lima", "population": 10}]')
    assert "no 'items' list" in caught.value.message


def test_a_dict_schema_is_transformed_for_the_api_but_checked_as_given():
    schema = output_schema(OBJECT_SCHEMA, "verdict")
    assert schema.format == {
        "type": "json_schema",
        "schema": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "answer": {"type": "string"},
                "confidence": {"type": "number", "description": "{minimum: 0, maximum: 1}"},
            },
            "required": ["answer", "confidence"],
        },
    }
    assert OBJECT_SCHEMA["properties"]["confidence"]["minimum"] == 0  # the user's dict is not changed


@pytest.mark.parametrize(
    ("target", "text", "expected"),
    [
        (City, '{"name": "Oslo", "population": 700000}', City(name="Oslo", population=700_000)),
        (Point, '{"x": 1, "y": 2.5}', Point(1.0, 2.5)),
        (Span, '{"start": 1, "end": 4}', {"start": 1, "end": 4}),
        (list[City], '{"items": [{"name": "Lima", "population": 10}]}', [City(name="Lima", population=10)]),
        (OBJECT_SCHEMA, '{"answer": "yes", "confidence": 0.9}', {"answer": "yes", "confidence": 0.9}),
    ],
    ids=["model", "dataclass", "typeddict", "list-of-models", "dict-schema"],
)
def test_a_matching_reply_parses_to_the_typed_object(target: Any, text: str, expected: Any):
    parsed = output_schema(target, "Target").parse(text)
    assert parsed == expected
    assert type(parsed) is type(expected)


@pytest.mark.parametrize(
    ("target", "text", "where"),
    [
        (City, '{"name": "Oslo", "population": -1}', "population: Input should be greater than or equal to 0"),
        (Point, '{"x": "left", "y": 2}', "x: Input should be a valid number"),
        (Span, '{"start": 1}', "end: Field required"),
        (list[City], '{"items": [{"name": "Lima", "population": 1}, {"name": 3, "population": 1}]}', "1.name:"),
        (OBJECT_SCHEMA, '{"answer": "yes", "confidence": 3}', "confidence: 3 is greater than the maximum of 1"),
        (OBJECT_SCHEMA, '{"answer": "yes"}', "(top level): 'confidence' is a required property"),
    ],
    ids=["model-constraint", "dataclass", "typeddict", "list-item", "dict-constraint", "dict-required"],
)
def test_a_mismatching_reply_is_one_line_with_the_path(target: Any, text: str, where: str):
    with pytest.raises(StructuredOutputError) as caught:
        output_schema(target, "Target").parse(text)
    message = caught.value.message
    assert message.startswith("the reply does not match `Target`: ")
    assert where in message
    assert message.endswith(RAW_KEPT)
    assert "\n" not in message


@pytest.mark.parametrize("target", [City, OBJECT_SCHEMA], ids=["type", "dict"])
def test_a_reply_that_is_not_json_says_so(target: Any):
    with pytest.raises(StructuredOutputError) as caught:
        output_schema(target, "Target").parse('{"name": "Oslo",')
    assert caught.value.message.startswith("the reply is not valid JSON (")
    assert caught.value.message.endswith("); the raw text is on the reply")


def test_several_problems_are_counted():
    with pytest.raises(StructuredOutputError, match=r"\(and 1 more\)"):
        output_schema(City, "City").parse('{"name": 1, "population": "many"}')


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"type": "array", "items": {"type": "string"}}, "schema `bad` must describe an object (its type is 'array')"),
        ({"properties": {"a": {"type": "string"}}}, 'schema `bad` must describe an object (it has no "type")'),
        ({"type": "object", "properties": {"a": {"type": "text"}}}, "schema `bad` is not valid JSON schema at "),
        (42, "`bad` is of type int, not a schema: --schema takes a pydantic model"),
        ("City", "`bad` is of type str, not a schema"),
    ],
    ids=["array-dict", "no-type", "invalid-dict", "number", "string"],
)
def test_a_bad_schema_is_one_line(value: Any, expected: str):
    with pytest.raises(SchemaError) as caught:
        output_schema(value, "bad")
    assert caught.value.message.startswith(expected)
    assert "\n" not in caught.value.message


def test_a_type_pydantic_cannot_describe_is_a_schema_error():
    class Opaque:
        pass

    with pytest.raises(SchemaError, match="`Opaque` has no JSON schema"):
        output_schema(Opaque, "Opaque")


def test_parse_json_tolerates_a_fence():
    assert parse_json('```json\n{"a": [1, 2]}\n```') == {"a": [1, 2]}
    assert parse_json("```\n[1]\n```") == [1]
    assert parse_json(' {"a": 1} ') == {"a": 1}


def test_parse_json_refuses_text():
    with pytest.raises(StructuredOutputError, match=r"the reply is not valid JSON .*; the raw text is on the reply"):
        parse_json("Sure! Here is the JSON you asked for")


class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


class Shop(BaseModel):
    name: str
    staff: int
    revenue: float | None
    open: bool
    size: Size
    kind: Literal["food", "tools"]
    opened: datetime.date
    tags: list[str]


SHOPS = [
    Shop(name="A", staff=3, revenue=1.5, open=True, size=Size.SMALL, kind="food", opened="2020-01-02", tags=["x"]),
    Shop(name="B", staff=5, revenue=None, open=False, size=Size.LARGE, kind="tools", opened="2021-03-04", tags=[]),
]


def test_as_frame_types_columns_from_model_fields():
    frame = as_frame(SHOPS)
    assert list(frame.columns) == ["name", "staff", "revenue", "open", "size", "kind", "opened", "tags"]
    dtypes = {column: str(dtype) for column, dtype in frame.dtypes.items()}
    assert pd.api.types.is_datetime64_any_dtype(frame["opened"])  # pandas picks the unit (s for dates)
    assert dtypes.pop("opened").startswith("datetime64[")
    assert dtypes == {
        "name": "string",
        "staff": "Int64",
        "revenue": "Float64",
        "open": "boolean",
        "size": "category",
        "kind": "category",
        "tags": "object",
    }
    assert frame["revenue"].isna().tolist() == [False, True]
    assert list(frame["size"]) == ["s", "l"]
    assert frame["tags"].tolist() == [["x"], []]


def test_as_frame_unwraps_a_single_list_field():
    frame = as_frame(Cities(cities=[City(name="Oslo", population=1), City(name="Lima", population=2)]))
    assert frame["name"].tolist() == ["Oslo", "Lima"]
    assert str(frame["population"].dtype) == "Int64"


def test_as_frame_of_dataclasses_and_dicts():
    points = as_frame([Point(1, 2), Point(3, 4)])
    assert {column: str(dtype) for column, dtype in points.dtypes.items()} == {"x": "Float64", "y": "Float64"}
    rows = as_frame({"items": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]})
    pd.testing.assert_frame_equal(rows, pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert len(as_frame({"a": 1, "b": 2})) == 1


def test_as_frame_refuses_what_has_no_rows():
    with pytest.raises(StructuredOutputError, match="--as-frame needs a list of objects; the reply is a str"):
        as_frame("text")
    with pytest.raises(StructuredOutputError, match="one item is a int"):
        as_frame([1, 2])
