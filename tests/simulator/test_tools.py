"""Tools and tool_choice: the API's 400s for bad definitions, and the default reply's deterministic tool use."""

from __future__ import annotations

import json
import math
from typing import Any

import anthropic
import pytest

from .helpers import MODEL

PRICE = {
    "name": "get_price",
    "description": "The price of a product.",
    "input_schema": {
        "type": "object",
        "properties": {
            "sku": {"type": "string"},
            "quantity": {"type": "integer"},
            "currency": {"type": "string", "enum": ["USD", "EUR"]},
            "gift": {"type": "boolean"},
            "note": {"type": "string"},
        },
        "required": ["sku", "quantity", "currency", "gift"],
    },
}
STOCK = {"name": "get_stock", "input_schema": {"type": "object", "properties": {}}}
ASK = [{"role": "user", "content": "Call get_price for sku=SKU-12 please."}]
NO_THINKING = "claude-haiku-4-5"  # thinks only when asked: replies hold no thinking block


def tool(name: str = "probe", **extra: Any) -> dict[str, Any]:
    return {"name": name, "input_schema": {"type": "object"}, **extra}


def rejected(client: anthropic.Anthropic, model: str = MODEL, messages: Any = ASK, **kwargs: Any) -> str:
    """Send through the real SDK; the 400 invalid_request_error's message."""
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model=model, max_tokens=2048, messages=messages, **kwargs)
    assert info.value.status_code == 400 and info.value.type == "invalid_request_error"
    return info.value.api_message


def create(client: anthropic.Anthropic, model: str = MODEL, messages: Any = ASK, **kwargs: Any) -> Any:
    return client.messages.create(model=model, max_tokens=1024, messages=messages, **kwargs)


def of_type(message: Any, kind: str) -> list[Any]:
    return [b for b in message.content if b.type == kind]


# -- validation of tools ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["get price", "", "x" * 129, "caf\u00e9", "probe\n"])
def test_a_custom_tool_name_must_match_the_pattern(client, name):
    message = rejected(client, tools=[tool("ok"), tool(name)])
    assert message == "tools.1.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"


def test_a_128_character_name_with_dashes_and_underscores_is_accepted(client):
    create(client, tools=[tool("a-b_C9" + "x" * 122)])


def test_input_schema_must_be_an_object_schema(client):
    message = rejected(client, tools=[{"name": "probe", "input_schema": {"type": "array"}}])
    assert message == "tools.0.custom.input_schema.type: Input should be 'object'"


@pytest.mark.parametrize(
    "schema",
    [{"additionalProperties": 5}, {"properties": {"q": {"type": "strin"}}}, {"required": "q"}, {"minProperties": "x"}],
)
def test_input_schema_must_be_json_schema_2020_12(client, schema):
    message = rejected(client, tools=[{"name": "probe", "input_schema": {"type": "object", **schema}}])
    assert message.startswith("tools.0.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft")


def test_a_custom_tool_needs_an_input_schema(client):
    assert rejected(client, tools=[{"name": "probe"}]) == "tools.0.custom.input_schema: Field required"


def test_tool_names_must_be_unique(client):
    assert rejected(client, tools=[tool("probe"), tool("other"), tool("probe")]) == "tools: Tool names must be unique."


def test_a_server_tool_name_counts_towards_uniqueness(client):
    search = {"type": "web_search_20250305", "name": "web_search"}
    assert rejected(client, tools=[search, tool("web_search")]) == "tools: Tool names must be unique."


def test_an_unknown_server_tool_type_is_rejected(client):
    message = rejected(client, tools=[{"type": "web_search_20240101", "name": "web_search"}])
    assert message.startswith(
        "tools.0: Input tag 'web_search_20240101' found using 'type' does not match any of the expected tags: "
        "'custom', "
    )
    assert "'web_fetch_20260318'" in message


def test_a_server_tool_must_carry_its_fixed_name(client):
    message = rejected(client, tools=[{"type": "web_fetch_20250910", "name": "fetch"}])
    assert message == "tools.0.web_fetch_20250910.name: Input should be 'web_fetch'"


@pytest.mark.parametrize("uses", [0, -1])
def test_max_uses_must_be_at_least_one(client, uses):
    message = rejected(client, tools=[{"type": "web_search_20260318", "name": "web_search", "max_uses": uses}])
    assert message == "tools.0.web_search_20260318.max_uses: Input should be greater than or equal to 1"


def test_every_listed_server_tool_type_is_accepted(client):
    tools = [
        {"type": "web_search_20260209", "name": "web_search", "max_uses": 1},
        {"type": "web_fetch_20260309", "name": "web_fetch"},
        {"type": "code_execution_20250825", "name": "code_execution"},
        {"type": "bash_20250124", "name": "bash"},
        {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
        {"type": "memory_20250818", "name": "memory"},
        {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"},
        {"type": "custom", **tool("mine")},
    ]
    create(client, messages=[{"role": "user", "content": "Hi."}], tools=tools)


# -- validation of tool_choice ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["auto", "any", "none"])
def test_tool_choice_without_tools_is_rejected(client, kind):
    message = rejected(client, tool_choice={"type": kind})
    assert message == "tool_choice may only be specified while providing tools."


def test_tool_choice_must_name_one_of_the_tools(client):
    message = rejected(client, tools=[PRICE], tool_choice={"type": "tool", "name": "get_cost"})
    assert message == "tool_choice.tool.name: Tool 'get_cost' not found in tools"


def test_an_unknown_tool_choice_type_is_rejected(client):
    message = rejected(client, tools=[PRICE], tool_choice={"type": "required"})
    assert message == (
        "tool_choice: Input tag 'required' found using 'type' does not match any of the expected tags: "
        "'auto', 'any', 'tool', 'none'"
    )


def test_disable_parallel_tool_use_must_be_a_boolean(client):
    message = rejected(client, tools=[PRICE], tool_choice={"type": "auto", "disable_parallel_tool_use": "yes"})
    assert message == "tool_choice.auto.disable_parallel_tool_use: Input should be a valid boolean"


@pytest.mark.parametrize("model", ["claude-opus-5-5", "claude-fable-5-1", "claude-mythos-5-1"])
@pytest.mark.parametrize("choice", [{"type": "any"}, {"type": "tool", "name": "get_price"}])
def test_forced_tool_use_fails_on_models_that_always_think(client, model, choice):
    message = rejected(client, model=model, tools=[PRICE], tool_choice=choice)
    assert message == "Thinking may not be enabled when tool_choice forces tool use."


def test_forced_tool_use_fails_with_manual_thinking(client):
    thinking = {"type": "enabled", "budget_tokens": 1024}
    message = rejected(client, model=NO_THINKING, tools=[PRICE], tool_choice={"type": "any"}, thinking=thinking)
    assert message == "Thinking may not be enabled when tool_choice forces tool use."


def test_forced_tool_use_works_with_adaptive_thinking_elsewhere(client):
    for model in ("claude-sonnet-5-5", "claude-fable-5-2", "claude-opus-5"):
        reply = create(client, model=model, tools=[PRICE], tool_choice={"type": "any"}, thinking={"type": "adaptive"})
        assert reply.stop_reason == "tool_use"


# -- history ------------------------------------------------------------------------------------


def test_a_tool_use_of_a_tool_no_longer_offered_is_accepted(client):
    use = {"type": "tool_use", "id": "toolu_01Old", "name": "retired_tool", "input": {}}
    result = {"type": "tool_result", "tool_use_id": "toolu_01Old", "content": "done"}
    messages = [*ASK, {"role": "assistant", "content": [use]}, {"role": "user", "content": [result]}]
    reply = create(client, messages=messages, tools=[PRICE])
    # Accepted; the question's own tool has not been called yet in this turn, so it comes next.
    assert reply.stop_reason == "tool_use" and [b.name for b in of_type(reply, "tool_use")] == ["get_price"]


def test_tool_results_must_come_first_in_the_answering_user_message(client):
    use = {"type": "tool_use", "id": "toolu_01A", "name": "get_price", "input": {}}
    late = [{"type": "text", "text": "Here:"}, {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "1"}]
    messages = [*ASK, {"role": "assistant", "content": [use]}, {"role": "user", "content": late}]
    message = rejected(client, messages=messages, tools=[PRICE])
    assert message.startswith("messages.1: `tool_use` ids were found without `tool_result` blocks immediately after")


# -- the default reply's tool use ---------------------------------------------------------------


def test_a_named_tool_is_called_with_input_generated_from_its_schema(client):
    with client.messages.stream(model=NO_THINKING, max_tokens=1024, messages=ASK, tools=[PRICE]) as stream:
        partials = [e.partial_json for e in stream if e.type == "input_json"]
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert [b.type for b in final.content] == ["text", "tool_use"]
    assert final.content[0].text == "I'll call get_price."
    use = final.content[1]
    assert use.name == "get_price" and use.id.startswith("toolu_01")
    assert use.input == {"sku": "SKU-12", "quantity": 1, "currency": "USD", "gift": True}
    assert "".join(partials) == json.dumps(use.input, separators=(",", ":")) and len(partials) > 2


def test_tool_input_streams_as_json_pieces_that_open_empty(client):
    stream = client.messages.create(model=NO_THINKING, max_tokens=1024, messages=ASK, tools=[PRICE], stream=True)
    deltas = [e.delta for e in stream if e.type == "content_block_delta" and e.index == 1]
    assert {d.type for d in deltas} == {"input_json_delta"}
    assert deltas[0].partial_json == ""
    assert json.loads("".join(d.partial_json for d in deltas))["sku"] == "SKU-12"


def test_output_tokens_count_the_tool_input_json(client):
    reply = create(client, model=NO_THINKING, tools=[PRICE])
    generated = reply.content[0].text + json.dumps(reply.content[1].input, separators=(",", ":"))
    assert reply.usage.output_tokens == math.ceil(len(generated) / 4)


def test_every_named_tool_is_called_in_parallel_in_the_order_the_prompt_names_them(client):
    messages = [{"role": "user", "content": "Use get_stock and get_price for sku=A1."}]
    reply = create(client, messages=messages, tools=[PRICE, STOCK])
    assert [b.name for b in of_type(reply, "tool_use")] == ["get_stock", "get_price"]
    assert of_type(reply, "text")[0].text == "I'll call get_stock and get_price."
    assert len({b.id for b in of_type(reply, "tool_use")}) == 2


def test_disable_parallel_tool_use_calls_only_the_first_named(client):
    messages = [{"role": "user", "content": "Use get_stock and get_price."}]
    choice = {"type": "auto", "disable_parallel_tool_use": True}
    reply = create(client, messages=messages, tools=[PRICE, STOCK], tool_choice=choice)
    assert [b.name for b in of_type(reply, "tool_use")] == ["get_stock"]


def test_an_unnamed_tool_is_not_called(client):
    reply = create(client, messages=[{"role": "user", "content": "What costs the most?"}], tools=[PRICE])
    assert reply.stop_reason == "end_turn" and not of_type(reply, "tool_use")


def test_tool_choice_any_calls_the_first_tool_without_text(client):
    messages = [{"role": "user", "content": "What costs the most?"}]
    reply = create(client, model=NO_THINKING, messages=messages, tools=[STOCK, PRICE], tool_choice={"type": "any"})
    assert reply.stop_reason == "tool_use"
    assert [(b.type, b.name) for b in reply.content] == [("tool_use", "get_stock")]


def test_tool_choice_tool_calls_that_tool(client):
    choice = {"type": "tool", "name": "get_stock"}
    reply = create(client, model=NO_THINKING, tools=[PRICE, STOCK], tool_choice=choice)
    assert [(b.type, b.name) for b in reply.content] == [("tool_use", "get_stock")]


def test_tool_choice_none_answers_in_text(client):
    reply = create(client, tools=[PRICE], tool_choice={"type": "none"})
    assert reply.stop_reason == "end_turn" and not of_type(reply, "tool_use")


def test_nested_schemas_generate_valid_input(client):
    schema = {
        "type": "object",
        "$defs": {"Line": {"type": "object", "properties": {"n": {"type": "number"}}, "required": ["n"]}},
        "properties": {
            "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}},
            "mode": {"anyOf": [{"type": "null"}, {"const": "fast"}]},
            "tags": {"type": ["null", "string"]},
            "limit": {"type": "integer"},
        },
        "required": ["lines", "mode", "tags", "limit"],
    }
    messages = [{"role": "user", "content": "Run plan with limit=7, tags=red."}]
    reply = create(client, messages=messages, tools=[{"name": "plan", "input_schema": schema}])
    assert of_type(reply, "tool_use")[0].input == {"lines": [{"n": 1.0}], "mode": "fast", "tags": "red", "limit": 7}


def test_a_two_round_tool_loop_ends_with_text_about_the_results(client):
    first = create(client, messages=[{"role": "user", "content": "Use get_price and get_stock."}], tools=[PRICE, STOCK])
    price, stock = of_type(first, "tool_use")
    results = [
        {"type": "tool_result", "tool_use_id": price.id, "content": "259.75 USD"},
        {
            "type": "tool_result",
            "tool_use_id": stock.id,
            "content": [{"type": "text", "text": "warehouse down"}],
            "is_error": True,
        },
    ]
    messages = [{"role": "user", "content": "Use get_price and get_stock."}, first.to_param()]
    messages.append({"role": "user", "content": results})
    with client.messages.stream(model=MODEL, max_tokens=1024, messages=messages, tools=[PRICE, STOCK]) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "end_turn" and not of_type(final, "tool_use")
    text = of_type(final, "text")[0].text
    assert '- `get_price`: "259.75 USD"' in text
    assert '- `get_stock` (error): "warehouse down"' in text
