"""The tour notebooks' simulated answers follow the request: the notebooks' own cells, run in a real shell.

The tools notebook's headline cell chains the price into the conversion; the batch notebook's
negative reviews are labelled negative; a long request gets a long reply within max_tokens; a
quickstart reply carries no thinking note it did not ask for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NEGATIVE_REVIEWS = (
    "Arrived broken, support never answered.",
    "Stopped working after a week.",
    "Too loud, returned it.",
)
POSITIVE_REVIEWS = ("Does exactly what it says. Five stars.", "Best purchase this year!")


def cell(notebook: str, starts: str) -> str:
    """The source of the first code cell of `notebook` that starts with `starts`."""
    cells = json.loads((NOTEBOOKS / notebook).read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return next(s for s in sources if s.startswith(starts))


@pytest.fixture
def tour_tools(run, shell):
    run(cell("06_tools.ipynb", "PRICES ="))
    yield shell.user_ns
    for name in ("PRICES", "get_price", "convert_currency", "answer"):
        shell.user_ns.pop(name, None)


def test_the_tools_headline_chains_the_price_into_the_conversion(run, sim, tour_tools):
    result, _ = run(cell("06_tools.ipynb", "%%claude --tools get_price convert_currency"))
    assert result.error_in_exec is None
    reply = tour_tools["answer"]
    price, converted = reply.tool_calls
    assert (price.name, price.input) == ("get_price", {"sku": "SKU-12", "quantity": 3})  # "3 units" in the question
    assert price.content == "37.5"
    assert (converted.name, converted.input) == ("convert_currency", {"amount": 37.5})  # fed from the price
    expected = round(tour_tools["PRICES"]["SKU-12"] * 3 * 0.92, 2)  # 34.5, computed here, not by the simulator
    assert float(converted.content) == expected
    assert f"**{expected:g}**" in reply.text and "[Simulated reply]" in reply.text
    assert len(sim.requests) == 3  # one round per call, then the answer


@pytest.fixture
def reviews(run, shell):
    run(cell("07_batches_and_budgets.ipynb", "from typing import Literal"))
    yield shell.user_ns["reviews"]
    for name in ("reviews", "Label"):
        shell.user_ns.pop(name, None)


def test_the_batch_reviews_are_labelled_by_the_cue_word_rule(run, shell, sim, reviews):
    line = cell("07_batches_and_budgets.ipynb", "%claude batch reviews --prompt")
    result, _ = run(line + " --sync")  # the same prompt and schema, through the normal endpoint
    assert result.error_in_exec is None
    frame = shell.user_ns["reviews"]
    labels = dict(zip(frame["text"], frame["label_sentiment"], strict=True))
    assert [labels[t] for t in NEGATIVE_REVIEWS] == ["negative"] * 3
    assert [labels[t] for t in POSITIVE_REVIEWS] == ["positive"] * 2
    assert labels["Okay, nothing special."] == "neutral"


def test_a_long_essay_with_room_gets_a_long_markdown_reply(run, shell, sim):
    result, _ = run(
        "%%claude --max-tokens 8000 -o essay\nWrite a long essay on p-values, with a table and a code example.\n"
    )
    assert result.error_in_exec is None
    text = shell.user_ns.pop("essay").text
    assert len(text) > 5_000 and text.startswith("**[Simulated reply]**")
    assert "\n## " in text and "\n- " in text and "\n|---|" in text and "\n```python\n" in text


def test_a_long_essay_stops_at_max_tokens(run, shell, sim):
    run("%%claude --max-tokens 300 -o short\nWrite a long essay on p-values.\n")
    reply = shell.user_ns.pop("short")
    assert reply.stop_reason == "max_tokens"
    assert reply.usage.output_tokens <= 300 and len(reply.text) <= 300 * 4


def test_you_asked_quotes_the_question_not_the_attached_frame(run, shell, sim):
    run("import pandas as pd\nsales = pd.DataFrame({'region': ['north', 'south'], 'revenue': [1.0, 2.0]})")
    run("%%claude -a sales -o r\nWhich region grew faster?\n")
    text = shell.user_ns.pop("r").text
    shell.user_ns.pop("sales")
    assert 'You asked: "Which region grew faster?"' in text
    assert "attachments in your message: 0 images, 0 documents" in text  # the frame went as text


def test_a_quickstart_reply_has_no_thinking_block_unless_thinking_is_asked(run, shell, sim):
    source = cell("01_quickstart.ipynb", "%%claude\nExplain").replace("%%claude", "%%claude -o r", 1)
    run(source)
    plain = shell.user_ns.pop("r")
    assert [b["type"] for b in plain.content] == ["text"] and plain.usage.thinking_tokens == 0
    run("%%claude --show-thinking -o r\nAnd in one line?\n")
    shown = shell.user_ns.pop("r")
    assert [b["type"] for b in shown.content] == ["thinking", "text"] and shown.thinking.startswith("The user wrote")


def test_a_short_request_gets_a_short_labelled_reply(run, shell, sim):
    run(cell("01_quickstart.ipynb", "%%claude\nExplain").replace("%%claude", "%%claude -o r", 1))
    text = shell.user_ns.pop("r").text
    assert text.startswith("**[Simulated reply]**") and len(text) < 200
