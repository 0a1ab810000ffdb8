"""Notebook callables as tools: which callables work, how arguments are checked, how they run, what is refused."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import sqlite3
import threading
from typing import Any

import pydantic
import pytest
from anthropic.lib.tools import beta_tool
from pydantic import BaseModel

from claude_magic.core.errors import ClaudeMagicError, ToolDefinitionError
from claude_magic.tools import ToolInputError
from claude_magic.tools.functions import FunctionTool, function_tool
from claude_magic.tools.results import NONE_TEXT


class Item(BaseModel):
    name: str
    price: float


def order(item: Item, quantity: int, gift: bool = False) -> dict[str, Any]:
    """Order an item."""
    return {"item": item.name, "quantity": quantity, "total": item.price * quantity, "gift": gift}


class Shop:
    def __init__(self) -> None:
        self.sold: list[str] = []

    def sell(self, what: str) -> str:
        """Sell one thing."""
        self.sold.append(what)
        return f"sold {what}"

    def __call__(self, what: str, times: int = 1) -> str:
        return " ".join([what] * times)


async def fetch_price(symbol: str) -> float:
    """The price of a symbol."""
    await asyncio.sleep(0)
    return {"ACME": 12.5}[symbol]


@beta_tool
def shout(text: str) -> str:
    """Shout the text."""
    return text.upper()


def test_a_function_tool_is_a_tool():
    tool = function_tool("order", order)
    assert isinstance(tool, FunctionTool)
    assert all(callable(getattr(tool, member)) for member in ("definition", "call", "acall"))
    assert inspect.iscoroutinefunction(tool.acall) and not inspect.iscoroutinefunction(tool.call)
    assert (tool.name, tool.source) == ("order", "function")
    assert set(tool.definition()) == {"name", "description", "input_schema"}


def test_call_validates_converts_and_encodes_the_result():
    result = function_tool("order", order).call({"item": {"name": "pen", "price": "2.5"}, "quantity": "4"})
    assert json.loads(result) == {"item": "pen", "quantity": 4, "total": 10.0, "gift": False}


@pytest.mark.parametrize(
    ("name", "value", "arguments", "expected"),
    [
        ("double", lambda x: x * 2, {"x": 21}, "42"),
        ("sell", Shop().sell, {"what": "tea"}, "sold tea"),
        ("repeat", Shop(), {"what": "ha", "times": 3}, "ha ha ha"),
        ("three_pens", functools.partial(order, quantity=3), {"item": {"name": "pen", "price": 1}}, None),
        ("shout", shout, {"text": "hi"}, "HI"),
        ("nothing", lambda: None, {}, NONE_TEXT),
    ],
    ids=["lambda", "bound-method", "callable-object", "partial", "beta_tool", "returns-none"],
)
def test_every_kind_of_callable_runs(name: str, value: Any, arguments: dict[str, Any], expected: str | None):
    result = function_tool(name, value).call(arguments)
    if expected is None:
        assert json.loads(str(result))["quantity"] == 3
    else:
        assert result == expected


def test_a_bound_method_runs_on_its_own_instance():
    shop = Shop()
    function_tool("sell", shop.sell).call({"what": "tea"})
    assert shop.sold == ["tea"]


def test_a_beta_tool_keeps_its_sdk_definition_under_the_namespace_name():
    custom = beta_tool(name="loud", description="Make it loud.")(lambda text: text.upper())
    tool = function_tool("my_loud", custom)
    assert tool.definition()["name"] == "my_loud"
    assert tool.definition()["description"] == "Make it loud."
    assert tool.call({"text": "a"}) == "A"


def test_a_wrong_type_names_the_field_and_the_value():
    tool = function_tool("order", order)
    with pytest.raises(ToolInputError) as caught:
        tool.call({"item": {"name": "pen", "price": 1}, "quantity": "three"})
    message = str(caught.value)
    assert "quantity: Input should be a valid integer" in message  # pydantic's words (checked on 2.12.0 and 2.14.4)
    assert "(got 'three')" in message
    assert "\n" not in message


def test_nested_missing_and_unknown_fields_are_all_named():
    with pytest.raises(ToolInputError) as caught:
        function_tool("order", order).call({"item": {"name": "pen"}, "colour": "red"})
    message = str(caught.value)
    assert "item.price: required" in message
    assert "quantity: required" in message
    assert "colour: not a parameter of `order` (its parameters: item, quantity, gift)" in message


def test_arguments_that_are_not_an_object_are_refused():
    with pytest.raises(ToolInputError, match="must be a JSON object"):
        function_tool("order", order).call(["pen", 3])  # type: ignore[arg-type]


def test_variadic_parameters_reach_the_function():
    def collect(first: int, *more: int, sep: str = ",", **labels: float) -> str:
        return sep.join(map(str, (first, *more))) + json.dumps(labels, sort_keys=True)

    tool = function_tool("collect", collect)
    assert tool.call({"first": 1, "more": ["2", 3], "sep": "+", "w": "0.5"}) == '1+2+3{"w": 0.5}'
    assert tool.call({"first": 1}) == "1{}"
    with pytest.raises(ToolInputError, match="w: Input should be a valid number"):
        tool.call({"first": 1, "w": "heavy"})


def test_positional_only_parameters_are_passed_by_position():
    def minus(a: int, b: int, /) -> int:
        return a - b

    assert function_tool("minus", minus).call({"b": 1, "a": 5}) == "4"


def test_the_functions_own_exceptions_propagate_unchanged():
    failure = KeyError("ACME-X")

    def broken(symbol: str) -> str:
        raise failure

    with pytest.raises(KeyError) as caught:
        function_tool("broken", broken).call({"symbol": "x"})
    assert caught.value is failure


def test_a_validation_error_inside_the_function_is_not_an_input_error():
    def parses(text: str) -> Item:
        return Item.model_validate_json(text)

    with pytest.raises(pydantic.ValidationError):
        function_tool("parses", parses).call({"text": "{}"})


def test_async_tool_called_blocking_from_inside_a_running_loop():
    tool = function_tool("fetch_price", fetch_price)

    async def cell() -> Any:
        return tool.call({"symbol": "ACME"})  # as ipykernel runs a cell: inside a loop

    assert asyncio.run(cell()) == "12.5"


def test_async_tool_call_runs_on_another_thread_in_a_fresh_loop():
    seen: dict[str, Any] = {}

    async def where() -> str:
        seen["thread"] = threading.current_thread()
        seen["loop"] = asyncio.get_running_loop()
        return "ok"

    async def cell() -> None:
        assert function_tool("where", where).call({}) == "ok"
        assert seen["loop"] is not asyncio.get_running_loop()

    asyncio.run(cell())
    assert seen["thread"] is not threading.current_thread()


def test_acall_awaits_in_the_current_loop():
    seen: dict[str, Any] = {}

    async def where() -> str:
        seen["loop"] = asyncio.get_running_loop()
        return "ok"

    async def cell() -> None:
        assert await function_tool("where", where).acall({}) == "ok"
        assert seen["loop"] is asyncio.get_running_loop()

    asyncio.run(cell())


def test_acall_of_a_sync_function_calls_it():
    assert asyncio.run(function_tool("order", order).acall({"item": {"name": "a", "price": 1}, "quantity": 1}))


def test_async_exceptions_propagate_from_call_and_acall():
    async def fails() -> None:
        raise ZeroDivisionError("nope")

    tool = function_tool("fails", fails)
    with pytest.raises(ZeroDivisionError, match="nope"):
        tool.call({})
    with pytest.raises(ZeroDivisionError, match="nope"):
        asyncio.run(tool.acall({}))
    with pytest.raises(ToolInputError):
        asyncio.run(tool.acall({"x": 1}))


def test_an_unconvertible_parameter_is_named():
    def query(sql: str, conn: sqlite3.Connection) -> list[Any]:
        return conn.execute(sql).fetchall()

    with pytest.raises(ToolDefinitionError) as caught:
        function_tool("query", query)
    message = caught.value.message
    assert message.startswith("parameter `conn` of `query` has type Connection, which has no JSON schema;")
    assert "functools.partial(query, conn=...)" in message
    assert isinstance(caught.value, ClaudeMagicError)
    assert caught.value._render_traceback_() == [f"ToolDefinitionError: {message}"]


def test_binding_the_unconvertible_parameter_with_partial_makes_a_tool():
    def query(sql: str, conn: sqlite3.Connection) -> list[Any]:
        return conn.execute(sql).fetchall()

    conn = sqlite3.connect(":memory:")
    tool = function_tool("query", functools.partial(query, conn=conn))
    assert list(tool.definition()["input_schema"]["properties"]) == ["sql"]
    assert tool.call({"sql": "select 1 + 1"}) == "[[2]]"
    with pytest.raises(ToolInputError, match="conn: not a parameter"):
        tool.call({"sql": "select 1", "conn": "other"})


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("answer", 42, "`answer` is not callable (it is of type int): --tools takes the names of functions"),
        ("Shop", Shop, "`Shop` is a class, which is not supported as a tool"),
        ("größe", order, "`größe` cannot be a tool name"),
        ("x" * 129, order, "cannot be a tool name: the API takes 1-128"),
    ],
    ids=["not-callable", "class", "non-ascii-name", "long-name"],
)
def test_bad_input_is_one_line_saying_what_to_do(name: str, value: Any, expected: str):
    with pytest.raises(ToolDefinitionError) as caught:
        function_tool(name, value)
    assert expected in caught.value.message
    assert "\n" not in caught.value.message


def test_unresolvable_type_hints_are_one_line():
    def later(x: NotYetDefined) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(ToolDefinitionError, match="type hints of `later` cannot be resolved"):
        function_tool("later", later)


def test_a_128_character_name_is_fine():
    assert function_tool("a" * 128, order).name == "a" * 128
