"""The simulator plays an agent offline: given the `python` tool, one deterministic call per round, then an answer.

Results are written here by hand, as the engine would send them back, so each test states what the
kernel printed and checks what the simulated agent does with it; tests/agent/test_agent_offline.py
runs the same play against a real kernel namespace.
"""

from __future__ import annotations

import ast
from typing import Any

import anthropic
import pytest

from .helpers import MODEL

PYTHON = {
    "name": "python",
    "description": "Run Python code in the user's kernel.",
    "input_schema": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
}
OTHER = {"name": "get_price", "input_schema": {"type": "object", "properties": {"sku": {"type": "string"}}}}
ASK = "Load data/sales.csv, clean the dates, and plot monthly revenue by region."
LOADED = (
    "[printed]\n(12, 3)\n{'date': 'str', 'region': 'str', 'revenue': 'int64'}\n"
    "         date region  revenue\n0  2024-01-15  North      100"
)
CLEANED = "[printed]\n0 values could not be read as dates\n2024-01-15 00:00:00 to 2024-06-15 00:00:00"
SUMMED = "[printed]\nregion   North  South\ndate\n2024-01    100     80\n2024-02    200    160\nsum: 3780"
PLOTTED = [{"type": "text", "text": "(the code ran; it printed nothing)"}]


class Chat:
    """One agent turn through the real SDK: each reply is kept and its call answered with the given result."""

    def __init__(self, client: anthropic.Anthropic, prompt: str = ASK, tools: Any = (PYTHON,), **kwargs: Any) -> None:
        self.client, self.tools, self.kwargs = client, list(tools), kwargs
        self.messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]

    def send(self, max_tokens: int = 2048) -> Any:
        reply = self.client.messages.create(
            model=MODEL, max_tokens=max_tokens, messages=self.messages, tools=self.tools, **self.kwargs
        )
        self.last = reply
        return reply

    def answer(self, content: Any, is_error: bool = False) -> Any:
        """Send `content` as the result of the last reply's call; the next reply."""
        use = calls(self.last)[0]
        result = {"type": "tool_result", "tool_use_id": use.id, "content": content}
        self.messages += [self.last.to_param(), {"role": "user", "content": [{**result, "is_error": is_error}]}]
        return self.send()


def calls(reply: Any) -> list[Any]:
    return [b for b in reply.content if b.type == "tool_use"]


def code(reply: Any) -> str:
    (use,) = calls(reply)
    assert use.name == "python" and set(use.input) == {"code"} and reply.stop_reason == "tool_use"
    ast.parse(use.input["code"])
    return str(use.input["code"])


def text(reply: Any) -> str:
    assert not calls(reply) and reply.stop_reason == "end_turn"
    return "".join(b.text for b in reply.content if b.type == "text")


# -- the plan ---------------------------------------------------------------------------------------------------------


def test_a_csv_in_the_prompt_is_loaded_first(client):
    reply = Chat(client).send()
    assert code(reply).startswith("import pandas as pd\nsales = pd.read_csv('data/sales.csv')\nprint(sales.shape)")
    assert reply.content[0].type == "text" and "data/sales.csv" in reply.content[0].text


def test_the_whole_plan_loads_cleans_computes_plots_and_answers_with_a_number_from_the_results(client):
    chat = Chat(client)
    chat.send()
    clean = code(chat.answer(LOADED))
    assert "sales['date'] = pd.to_datetime(sales['date'], errors='coerce')" in clean
    compute = code(chat.answer(CLEANED))
    assert "sales.groupby([sales['date'].dt.to_period('M'), 'region'])['revenue'].sum().unstack()" in compute
    plot = code(chat.answer(SUMMED))
    assert "sales_summary.plot(kind='line'" in plot and "import matplotlib.pyplot as plt" in plot
    final = text(chat.answer(PLOTTED))
    assert "I ran 4 calls" in final and "**3780**" in final
    assert "loaded `data/sales.csv` into `sales`" in final and "parsed `date` as dates" in final


def test_the_same_prompt_and_results_give_the_same_calls(client):
    first, second = Chat(client), Chat(client)
    one, two = first.send(), second.send()
    assert one.content[-1].to_dict() == two.content[-1].to_dict()
    assert first.answer(LOADED).content[-1].to_dict() == second.answer(LOADED).content[-1].to_dict()


def test_a_frame_the_context_names_is_inspected(client):
    context = (
        "<notebook_context>\nWhat the user ran.\n<variables>\n"
        "orders: DataFrame, 40 rows x 2 columns; columns: city (str), amount (float64) (new)\n"
        "</variables>\n</notebook_context>\n"
    )
    reply = Chat(client, context + "What is the average amount by city?").send()
    assert code(reply) == "print(orders.shape)\nprint(orders.dtypes.astype(str).to_dict())\nprint(orders.head())"


def test_without_a_frame_or_csv_it_surveys_the_namespace_then_works_on_what_it_found(client):
    chat = Chat(client, "What is the average amount by city?")
    assert "isinstance(v, pd.DataFrame)" in code(chat.send())
    compute = code(chat.answer("[printed]\norders (40, 2) {'city': 'str', 'amount': 'float64'}"))
    assert compute.startswith("orders_summary = orders.groupby('city')['amount'].mean()")


def test_a_survey_that_finds_no_frame_ends_with_an_honest_answer(client):
    chat = Chat(client, "Summarise my data.")
    chat.send()
    assert "no .csv path" in text(chat.answer("[printed]\nno DataFrames"))


def test_without_numbers_or_a_plot_request_it_describes_and_stops(client):
    chat = Chat(client, "Describe `people`.")
    chat.send()
    compute = code(chat.answer("[printed]\n(3, 1)\n{'name': 'str'}"))
    assert compute == "people_summary = people.describe(include='all')\nprint(people_summary)"
    final = text(chat.answer("[printed]\n       name\ncount     3"))
    assert "I ran 2 calls" in final and "**3** rows" in final


# -- failures -----------------------------------------------------------------------------------------------------


def test_after_a_failed_call_it_prints_the_columns_once_then_stops_honestly(client):
    chat = Chat(client)
    chat.send()
    chat.answer(LOADED)
    chat.answer(CLEANED)
    failed = [{"type": "text", "text": "[error]\nTraceback (user code):\n  <agent call 3>\nKeyError: 'revenue'"}]
    columns = code(chat.answer(failed, is_error=True))
    assert columns == "print(list(sales.columns))\nprint(sales.dtypes.astype(str).to_dict())"
    final = text(chat.answer("[printed]\n['date', 'region', 'Revenue']"))
    assert "**failed** with `KeyError: 'revenue'`" in final and "stopped rather than guess" in final


def test_a_failed_load_stops_at_once(client):
    chat = Chat(client)
    chat.send()
    final = text(chat.answer("[error]\nFileNotFoundError: [Errno 2] No such file", is_error=True))
    assert "I ran 1 call" in final and "FileNotFoundError" in final


def test_a_denied_call_stops_the_agent_and_says_so(client):
    chat = Chat(client)
    chat.send()
    chat.answer(LOADED)
    final = text(chat.answer("The user denied this tool call; it did not run.", is_error=True))
    assert "**not run**" in final and "denied" in final and "**12** rows" in final


def test_it_stops_after_four_calls(client):
    chat = Chat(client, "Load `x.csv` then plot revenue by region, and clean the dates.")
    chat.send()
    for result in (LOADED, CLEANED, SUMMED):
        assert calls(chat.answer(result))
    assert "I ran 4 calls" in text(chat.answer(PLOTTED))


# -- what turns it on, and limits -------------------------------------------------------------------------------


def test_max_tokens_cuts_the_reply_and_makes_no_call(client):
    reply = Chat(client).send(max_tokens=5)
    assert reply.stop_reason == "max_tokens" and not calls(reply)
    assert len(reply.content[0].text) <= 20


def test_forced_use_of_python_calls_it_without_text(client):
    reply = Chat(client, tool_choice={"type": "tool", "name": "python"}).send()
    assert [b.type for b in reply.content] == ["tool_use"] and "read_csv" in code(reply)


def test_tool_choice_none_gets_text_and_no_call(client):
    reply = Chat(client, tool_choice={"type": "none"}).send()
    assert not calls(reply) and reply.stop_reason == "end_turn"


@pytest.mark.parametrize(
    "tool",
    [
        {"name": "python", "input_schema": {"type": "object", "properties": {"source": {"type": "string"}}}},
        {"name": "python", "input_schema": {"type": "object", "properties": {"code": {"type": "integer"}}}},
        {"name": "py", "input_schema": PYTHON["input_schema"]},
    ],
)
def test_a_tool_that_is_not_the_python_tool_does_not_play_the_agent(client, tool):
    assert not calls(Chat(client, tools=[tool]).send())


def test_a_prompt_naming_another_tool_leaves_it_to_the_tool_chain(client):
    reply = Chat(client, "Use get_price for sales.csv.", tools=[PYTHON, OTHER]).send()
    assert [c.name for c in calls(reply)] == ["get_price"]


def test_a_call_the_plan_did_not_make_ends_the_play_with_a_plain_answer(client):
    chat = Chat(client)
    chat.send()
    use = {"type": "tool_use", "id": "toolu_01scriptedcall0000000000", "name": "python", "input": {"code": "1 + 1"}}
    chat.messages += [
        {"role": "assistant", "content": [use]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use["id"], "content": "[value]\n2"}]},
    ]
    assert "The tools returned 1 result" in text(chat.send())


# -- hostile input ------------------------------------------------------------------------------------------------


def literals_and_names(source: str) -> tuple[set[str], set[str]]:
    tree = ast.parse(source)
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return strings, {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def test_hostile_column_names_reach_the_code_only_as_string_literals(client):
    evil = "x'] + __import__('os').system('echo pwned') + d['"
    chat = Chat(client, f"Load sales.csv and plot revenue by {evil}")
    chat.send()
    compute = code(chat.answer(f"[printed]\n(1, 2)\n{{{evil!r}: 'str', 'revenue': 'int64'}}"))
    strings, names = literals_and_names(compute)
    assert evil in strings and "__import__" not in names and "os" not in names


def test_a_hostile_path_is_a_string_literal(client):
    path = "my data); import os; os.remove(x.csv"
    source = code(Chat(client, f'Load "{path}" please').send())
    strings, names = literals_and_names(source)
    assert path in strings and names == {"pd", "print", "str", "my_data_import_os_os_remove_x"}


@pytest.mark.parametrize("prompt", [".", "\u200b", "x" * 400_000, "Plot `class` and `print` from df", "🙂" * 1000])
def test_any_prompt_gets_a_valid_first_call(client, prompt):
    reply = Chat(client, prompt).send()
    assert compile(code(reply), "<call>", "exec")


@pytest.mark.parametrize(
    "content",
    [
        "",
        "[printed]\n{" + ", ".join(f"'c{n}': 'int64'" for n in range(5000)) + "}",
        "[printed]\n{'a': 'int64', 'b\\",
        [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}],
        "{" * 50_000,
    ],
)
def test_malformed_results_never_break_the_play(client, content):
    chat = Chat(client, "Describe `df` and plot it.")
    chat.send()
    reply = chat.answer(content)
    assert reply.stop_reason in ("tool_use", "end_turn")
    if calls(reply):
        compile(code(reply), "<call>", "exec")
