"""Tool definitions of notebook functions, compared with JSON schemas written out by hand."""

from __future__ import annotations

import dataclasses
import enum
import functools
from typing import Annotated, Any, Literal, Optional

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from claude_magic.tools.functions import function_tool


def book_flight(origin: str, destination: str, passengers: int = 1, refundable: bool = False) -> str:
    """Book the cheapest flight.

    Searches every airline and books the first fare found.

    Args:
        origin: IATA code of the departure airport.
        destination: IATA code of the arrival airport.
        passengers: How many people travel.
    """
    return "booked"


def test_defaults_and_a_google_docstring():
    assert function_tool("book_flight", book_flight).definition() == {
        "name": "book_flight",
        "description": "Book the cheapest flight.\n\nSearches every airline and books the first fare found.",
        "input_schema": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "origin": {"title": "Origin", "type": "string", "description": "IATA code of the departure airport."},
                "destination": {
                    "title": "Destination",
                    "type": "string",
                    "description": "IATA code of the arrival airport.",
                },
                "passengers": {
                    "title": "Passengers",
                    "type": "integer",
                    "default": 1,
                    "description": "How many people travel.",
                },
                "refundable": {"title": "Refundable", "type": "boolean", "default": False},
            },
            "required": ["origin", "destination"],
        },
    }


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


def forecast(
    city: str,
    unit: Unit = Unit.CELSIUS,
    detail: Literal["brief", "full"] = "brief",
    days: Optional[int] = None,  # noqa: UP045  (typing.Optional, as many notebooks still write it)
):
    """Weather forecast for a city.

    Parameters
    ----------
    city : str
        The city's name.
    unit : Unit
        Temperature unit.
    days : int, optional
        Days ahead; all available when left out.
    """


def test_enum_literal_optional_and_a_numpy_docstring():
    assert function_tool("forecast", forecast).definition() == {
        "name": "forecast",
        "description": "Weather forecast for a city.",
        "input_schema": {
            "$defs": {"Unit": {"enum": ["celsius", "fahrenheit"], "title": "Unit", "type": "string"}},
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "city": {"title": "City", "type": "string", "description": "The city's name."},
                "unit": {"$ref": "#/$defs/Unit", "default": "celsius", "description": "Temperature unit."},
                "detail": {"title": "Detail", "type": "string", "enum": ["brief", "full"], "default": "brief"},
                "days": {
                    "title": "Days",
                    "anyOf": [{"type": "integer"}, {"type": "null"}],
                    "default": None,
                    "description": "Days ahead; all available when left out.",
                },
            },
            "required": ["city"],
        },
    }


class Address(BaseModel):
    street: str
    zip_code: str = Field(description="Postal code")


class Customer(BaseModel):
    name: str
    address: Address


@dataclasses.dataclass
class Point:
    x: float
    y: float


class Window(TypedDict):
    start: int
    end: int


def deliver(customer: Customer, where: Point, window: Window) -> None:
    """Schedule a delivery."""


def test_nested_model_dataclass_and_typeddict():
    schema = function_tool("deliver", deliver).definition()["input_schema"]
    assert schema == {
        "$defs": {
            "Address": {
                "title": "Address",
                "type": "object",
                "properties": {
                    "street": {"title": "Street", "type": "string"},
                    "zip_code": {"title": "Zip Code", "type": "string", "description": "Postal code"},
                },
                "required": ["street", "zip_code"],
            },
            "Customer": {
                "title": "Customer",
                "type": "object",
                "properties": {"name": {"title": "Name", "type": "string"}, "address": {"$ref": "#/$defs/Address"}},
                "required": ["name", "address"],
            },
            "Point": {
                "title": "Point",
                "type": "object",
                "properties": {"x": {"title": "X", "type": "number"}, "y": {"title": "Y", "type": "number"}},
                "required": ["x", "y"],
            },
            "Window": {
                "title": "Window",
                "type": "object",
                "properties": {
                    "start": {"title": "Start", "type": "integer"},
                    "end": {"title": "End", "type": "integer"},
                },
                "required": ["start", "end"],
            },
        },
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "customer": {"$ref": "#/$defs/Customer"},
            "where": {"$ref": "#/$defs/Point"},
            "window": {"$ref": "#/$defs/Window"},
        },
        "required": ["customer", "where", "window"],
    }


def total(first: float, *more: float, scale: float = 1.0, **labels: str) -> float:
    """Add numbers up."""
    return (first + sum(more)) * scale


def test_variadic_parameters_become_an_array_and_additional_properties():
    assert function_tool("total", total).definition()["input_schema"] == {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "properties": {
            "first": {"title": "First", "type": "number"},
            "more": {"title": "More", "type": "array", "items": {"type": "number"}, "default": []},
            "scale": {"title": "Scale", "type": "number", "default": 1.0},
        },
        "required": ["first"],
    }


def unannotated(a, b=2, *rest, **extra):
    return a


def test_unannotated_parameters_take_any_json():
    assert function_tool("unannotated", unannotated).definition() == {
        "name": "unannotated",
        "description": "unannotated(a, b=2, *rest, **extra)",
        "input_schema": {
            "type": "object",
            "additionalProperties": True,
            "properties": {
                "a": {"title": "A"},
                "b": {"title": "B", "default": 2},
                "rest": {"title": "Rest", "type": "array", "items": {}, "default": []},
            },
            "required": ["a"],
        },
    }


def slice_text(text: str, /, start: int, *, end: Annotated[int, Field(ge=0, description="Stop before this index")] = 0):
    return text[start:end]


def test_positional_only_keyword_only_and_annotated_constraints():
    assert function_tool("slice_text", slice_text).definition()["input_schema"] == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "text": {"title": "Text", "type": "string"},
            "start": {"title": "Start", "type": "integer"},
            "end": {
                "title": "End",
                "type": "integer",
                "minimum": 0,
                "default": 0,
                "description": "Stop before this index",
            },
        },
        "required": ["text", "start"],
    }


def test_partial_keywords_are_hidden_from_the_model():
    tool = function_tool("from_london", functools.partial(book_flight, origin="LHR", refundable=True))
    assert tool.definition() == {
        "name": "from_london",
        "description": "Book the cheapest flight.\n\nSearches every airline and books the first fare found.",
        "input_schema": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "destination": {
                    "title": "Destination",
                    "type": "string",
                    "description": "IATA code of the arrival airport.",
                },
                "passengers": {
                    "title": "Passengers",
                    "type": "integer",
                    "default": 1,
                    "description": "How many people travel.",
                },
            },
            "required": ["destination"],
        },
    }


class Thermostat:
    """Sets the heating."""

    def __call__(self, target: float) -> str:
        return f"set to {target}"

    def boost(self, minutes: int = 30) -> str:
        """Heat at full power for a while.

        :param minutes: How long to boost.
        """
        return f"boost {minutes}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            Thermostat(),
            {
                "name": "tool",
                "description": "Sets the heating.",
                "input_schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"target": {"title": "Target", "type": "number"}},
                    "required": ["target"],
                },
            },
        ),
        (
            Thermostat().boost,
            {
                "name": "tool",
                "description": "Heat at full power for a while.",
                "input_schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "minutes": {
                            "title": "Minutes",
                            "type": "integer",
                            "default": 30,
                            "description": "How long to boost.",
                        }
                    },
                    "required": [],
                },
            },
        ),
    ],
    ids=["callable-object", "bound-method-rest-docstring"],
)
def test_callable_objects_and_bound_methods(value: Any, expected: dict[str, Any]):
    definition = function_tool("tool", value).definition()
    if not expected["input_schema"]["required"]:
        assert "required" not in definition["input_schema"]
        expected["input_schema"].pop("required")
    assert definition == expected
