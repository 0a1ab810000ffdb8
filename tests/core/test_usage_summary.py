"""The ledger summed by chat and model: the sums, the totals row, the words and the hostile names."""

from __future__ import annotations

import pytest

from claude_magic.core.usage import CallRecord, Usage
from claude_magic.core.usage_summary import HEADERS, NAME_CHARS, summarise, summary_text
from claude_magic.ui.usage_table import UsageSummary

SONNET, HAIKU = "claude-sonnet-5-5", "claude-haiku-5-5"


def record(call: int, chat: str, model: str, usage: Usage, cost: float | None, error: str | None = None) -> CallRecord:
    return CallRecord(call, chat, model, 1.7e9, 0.1, 1.0, usage, cost, None, "end_turn", None, None, error=error)


LEDGER = [
    record(1, "default", SONNET, Usage(input_tokens=120, cache_write_5m_tokens=5200, output_tokens=300), 0.0243),
    record(2, "side", HAIKU, Usage(input_tokens=1_500_000, output_tokens=25_000), 0.2),
    record(3, "default", SONNET, Usage(input_tokens=150, cache_read_input_tokens=5200, output_tokens=250), 0.0043),
]


def test_rows_are_chat_and_model_in_order_of_first_call_with_sums():
    rows, total = summarise(LEDGER)
    assert [(r.chat, r.model, r.calls) for r in rows] == [("default", SONNET, 2), ("side", HAIKU, 1)]
    default = rows[0]
    assert (default.input_tokens, default.cache_read_tokens, default.output_tokens) == (10_670, 5200, 550)
    assert default.hit_rate == pytest.approx(5200 / 10_670) and default.cost_usd == pytest.approx(0.0286)
    assert (total.calls, total.input_tokens, total.output_tokens) == (3, 1_510_670, 25_550)
    assert total.cost_usd == pytest.approx(0.2286)


def test_cells_are_rounded_and_separated():
    rows, total = summarise(LEDGER)
    assert rows[0].cells() == ("default", SONNET, "2", "10,670", "550", "49%", "$0.0286")
    assert rows[1].cells() == ("side", HAIKU, "1", "1,500,000", "25,000", "0%", "$0.2000")
    assert total.cells() == ("total", "", "3", "1,510,670", "25,550", "<1%", "$0.2286")


def test_unknown_prices_stay_unknown_and_failures_are_counted():
    ledger = [*LEDGER, record(4, "side", HAIKU, Usage(input_tokens=10), None, error="overloaded")]
    rows, total = summarise(ledger)
    assert rows[1].cells()[2] == "2 (1 failed)" and rows[1].cost() == "$0.2000 + unknown"
    assert total.cost() == "$0.2286 + unknown"
    alone, _ = summarise([record(1, "x", "claude-unknown-9", Usage(input_tokens=5), None)])
    assert alone[0].cost() == "unknown", "never $0 for an unknown price"


def test_text_table_aligns_numbers_right_with_a_caption_and_the_frame_hint():
    rows, total = summarise(LEDGER)
    lines = summary_text(rows, total, "spent $0.23").splitlines()
    assert lines[0] == "spent $0.23" and lines[-1].endswith(".frame")
    header, rule, *body = lines[1:-1]
    assert header.split("  ")[0].strip() == HEADERS[0] and set(rule) == {"-", " "}
    assert len({len(line) for line in body}) == 1, "every body line ends at the cost column's right edge"
    assert body[-1].startswith("total") and body[-1].endswith("$0.2286")


def test_empty_ledger_is_a_zero_totals_row():
    rows, total = summarise([])
    assert rows == [] and total.cells() == ("total", "", "0", "0", "0", "n/a", "$0.0000")


@pytest.mark.parametrize(
    "chat", ["<script>alert(1)</script>", "x" * 10_000, "two\nlines\tand\rreturns", "", "\u202eevil"]
)
def test_hostile_chat_names_are_escaped_cut_and_kept_on_one_line(chat):
    summary = UsageSummary([record(1, chat, SONNET, Usage(input_tokens=1), 0.0)], lambda: None)
    text, html = repr(summary), summary._repr_html_()
    assert "<script>" not in html and len(text.splitlines()) == 5
    shown = summary.rows[0].cells()[0]
    assert len(shown) <= NAME_CHARS and not {"\n", "\r", "\t", "\u202e"} & set(shown)


def test_html_table_has_a_header_a_row_per_group_and_a_bold_total():
    summary = UsageSummary(LEDGER, lambda: "the frame", "spent $0.23 of $5.00 budget ($4.77 left)")
    html = summary._repr_html_()
    assert html.count("<tr>") == 4 and html.count("<th style=") == len(HEADERS), "header + 2 groups + total (th)"
    assert "<p>spent $0.23 of $5.00 budget ($4.77 left)</p>" in html and "1,510,670" in html
    assert summary.frame == "the frame"


def test_a_message_batch_is_named_in_the_calls_cell():
    batch = CallRecord(4, "side", HAIKU, 1.7e9, None, 9.0, Usage(input_tokens=800), 0.01, None, None, None, None,
                       kind="batch", requests=8)  # fmt: skip
    failed = record(5, "side", HAIKU, Usage(), 0.0, error="overloaded")
    rows, total = summarise([*LEDGER, batch, batch, failed])
    assert rows[1].cells()[2] == "4 (2 batches, 1 failed)" and total.cells()[2] == "6 (2 batches, 1 failed)"
    assert summarise([batch])[1].cells()[2] == "1 (1 batch)"
