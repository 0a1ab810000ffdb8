"""The default reply's content follows the request, by the simulator's stated rules, whatever the input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import MODEL

PRICE = {
    "name": "get_price",
    "input_schema": {
        "type": "object",
        "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "default": 1}},
        "required": ["sku"],
    },
}
CONVERT = {
    "name": "convert_currency",
    "input_schema": {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "to": {"type": "string", "default": "EUR"}},
        "required": ["amount"],
    },
}
QUESTION = "What do 3 units of sku=SKU-12 cost in euros? Use get_price, then convert_currency."
LABEL = {
    "type": "object",
    "properties": {
        "sentiment": {"type": "string", "enum": ["positive", "negative", "neutral"]},
        "confidence": {"type": "number"},
    },
    "required": ["sentiment", "confidence"],
    "additionalProperties": False,
}


def ask(client, content: Any, **kwargs: Any):
    kwargs.setdefault("max_tokens", 4096)
    return client.messages.create(model=MODEL, messages=[{"role": "user", "content": content}], **kwargs)


def uses(message) -> list[tuple[str, dict[str, Any]]]:
    return [(b.name, b.input) for b in message.content if b.type == "tool_use"]


def answer_round(client, messages: list[dict[str, Any]], message, results: dict[str, Any], **extra: Any):
    """Send `results[name]` back for each tool_use of `message`; the next reply."""
    answers = [
        {"type": "tool_result", "tool_use_id": b.id, **results[b.name]} for b in message.content if b.type == "tool_use"
    ]
    messages += [{"role": "assistant", "content": message.to_param()["content"]}, {"role": "user", "content": answers}]
    return client.messages.create(model=MODEL, max_tokens=4096, messages=messages, tools=[PRICE, CONVERT], **extra)


def test_the_conversion_waits_for_the_price_and_is_fed_it(client):
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    first = client.messages.create(model=MODEL, max_tokens=4096, messages=messages, tools=[PRICE, CONVERT])
    assert uses(first) == [("get_price", {"sku": "SKU-12", "quantity": 3})]
    second = answer_round(client, messages, first, {"get_price": {"content": "37.5"}})
    assert uses(second) == [("convert_currency", {"amount": 37.5})]
    third = answer_round(
        client, messages, second, {"convert_currency": {"content": [{"type": "text", "text": "34.5"}]}}
    )
    assert third.stop_reason == "end_turn" and not uses(third)
    assert "**34.5**" in third.content[-1].text


def test_a_failed_price_is_not_converted_and_no_answer_number_is_claimed(client):
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    first = client.messages.create(model=MODEL, max_tokens=4096, messages=messages, tools=[PRICE, CONVERT])
    failed = {"get_price": {"content": "KeyError: 'SKU-12' 404", "is_error": True}}
    second = answer_round(client, messages, first, failed)
    assert not uses(second) and "(error)" in second.content[-1].text
    assert "The answer" not in second.content[-1].text


@pytest.mark.parametrize("content", ["1e999", "nan", "", "x" * 200_000, "price: -0"])
def test_hostile_results_never_feed_a_non_finite_or_missing_number(client, content):
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    first = client.messages.create(model=MODEL, max_tokens=4096, messages=messages, tools=[PRICE, CONVERT])
    second = answer_round(
        client, messages, first, {"get_price": {"content": content}} if content else {"get_price": {}}
    )
    for _, given in uses(second):
        assert isinstance(given["amount"], float) and abs(given["amount"]) < 1e308
    assert all(len(b.text) < 2_000 for b in second.content if b.type == "text")


@pytest.mark.parametrize(
    ("review", "label"),
    [
        ("Arrived broken, support never answered.", "negative"),
        ("Too loud, returned it.", "negative"),
        ("Stopped working after a week.", "negative"),
        ("Does exactly what it says. Five stars.", "positive"),
        ("The battery lasts two days, love it.", "positive"),
        ("Fine for the price.", "neutral"),
        ("Okay, nothing special.", "neutral"),
    ],
)
def test_the_sentiment_follows_the_cue_words(client, review, label):
    fmt = {"format": {"type": "json_schema", "schema": LABEL}}
    value = json.loads(ask(client, f"Classify the sentiment of: {review}", output_config=fmt).content[-1].text)
    assert value["sentiment"] == label and 0 < value["confidence"] < 1


def test_a_number_written_after_a_field_name_fills_it(client):
    schema = {
        "type": "object",
        "properties": {"number": {"type": "string"}, "total": {"type": "number"}},
        "required": ["number", "total"],
        "additionalProperties": False,
    }
    fmt = {"format": {"type": "json_schema", "schema": schema}}
    value = json.loads(
        ask(client, "Invoice A-17 for Ada Lovelace, total 1,250.50.", output_config=fmt).content[-1].text
    )
    assert value["total"] == 1250.5


def test_a_long_request_is_long_and_a_word_count_is_honoured(client):
    essay = ask(client, "Write a long essay about sampling.", max_tokens=8000)
    assert essay.stop_reason == "end_turn" and len(essay.content[-1].text) > 5_000
    counted = ask(client, "Explain sampling in 400 words.", max_tokens=8000).content[-1].text
    assert 400 <= len(counted.split()) <= 400 + 200  # the last section finishes its paragraph


@pytest.mark.parametrize("max_tokens", [1, 50, 700])
def test_max_tokens_is_never_exceeded_however_long_the_ask(client, max_tokens):
    message = ask(client, "Write 999999 words, a detailed report with a table.", max_tokens=max_tokens)
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens <= max_tokens and len(message.content[-1].text) <= max_tokens * 4


def test_how_long_is_a_question_not_a_request_for_length(client):
    text = ask(client, "How long does a t-test take?", max_tokens=8000).content[-1].text
    assert len(text) < 1_000 and "prompt fingerprint" in text


def test_you_asked_skips_attached_text_and_the_notebook_context(client):
    context = "<notebook_context>\nIn [1]: x = 1\n</notebook_context>\n\nWhat is x?"
    blocks = [{"type": "text", "text": "DataFrame `df`: 3 rows × 2 columns"}, {"type": "text", "text": context}]
    text = ask(client, blocks).content[-1].text
    assert text.startswith('**[Simulated reply]** You asked: "What is x?"')
    assert "I can see 1 cell, 0 variables and 0 errors in the notebook context." in text


def test_the_context_sentence_counts_cells_variables_and_errors(client):
    block = (
        "<notebook_context>\nCells run:\nIn [1]: df = load()\nIn [2]: 1/0\nZeroDivisionError: division by zero\n"
        "[3] print(df)\nVariables:\n- df: DataFrame 100 x 3 (a, b, c)\n- n: int = 3\n- s: str, 12 chars\n"
        "</notebook_context>\nSummarise."
    )
    text = ask(client, block).content[-1].text
    assert "I can see 3 cells, 3 variables (`df: DataFrame 100 x 3 (a, b, c)`, `n: int = 3`, …) and 1 error" in text


def test_the_context_sentence_reads_the_block_claude_magic_sends(client):
    # The block as core/context.render writes it, typed out here so the simulator's reading is checked against it.
    block = (
        "<notebook_context>\nWhat the user ran and saw in the notebook so far.\n"
        '<cell n="1">\n<source>\nprint(41 + 1)\n</source>\n<output>\n42\n</output>\n</cell>\n'
        '<cell n="2">\n<source>\n1/0\n</source>\n<error>\nZeroDivisionError: division by zero\n'
        "In [2], line 1, in <module>: 1/0\n</error>\n</cell>\n"
        "<variables>\ndf: DataFrame, 3 rows × 2 columns (new)\nremoved: old\n</variables>\n"
        "Masked: password\n</notebook_context>"
    )
    text = ask(client, [{"type": "text", "text": block}, {"type": "text", "text": "Summarise."}]).content[-1].text
    assert "I can see 2 cells, 1 variable (`df: DataFrame, 3 rows × 2 columns (new)`) and 1 error" in text
    assert 'You asked: "Summarise."' in text


@pytest.mark.parametrize(
    "block",
    [
        "<notebook_context></notebook_context>ok?",
        "<notebook_context>" + "In [1]: x\n" * 100_000 + "no closing tag",
        "<notebook_context>\nVariables:\n- `evil`: <script>alert(1)</script>" + "`" * 5_000 + "\n</notebook_context>?",
        "<notebook_context>\n" + "\x00\ufffd" * 10_000 + "\n</notebook_context>?",
    ],
)
def test_a_hostile_context_block_gives_one_short_sentence(client, block):
    text = ask(client, block).content[-1].text
    sentence = next(line for line in text.splitlines() if "notebook context" in line)
    assert len(sentence) < 200 and "```" not in sentence
