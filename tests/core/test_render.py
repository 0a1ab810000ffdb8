"""Safe Markdown for untrusted model text, code extraction for --format code, and the open tail while streaming."""

from __future__ import annotations

import pytest

from claude_magic.core.render import (
    Mark,
    OpenTail,
    closed_prefix_end,
    code_block,
    extract_code,
    open_tail,
    safe_markdown,
)


def test_raw_html_is_escaped_outside_code():
    hostile = 'Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> & more'
    out = safe_markdown(hostile)
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script>" in out and "&amp; more" in out


def test_code_is_left_exactly_as_written():
    text = "Use `a<b` here.\n\n```python\nif a < b and c > d:\n    print('$5')\n```\nafter <b>"
    out = safe_markdown(text)
    assert "`a<b`" in out
    assert "```python\nif a < b and c > d:\n    print('$5')\n```" in out
    assert out.endswith("after &lt;b>")


def test_dollars_are_not_latex():
    assert safe_markdown("costs $5 and $6") == r"costs \$5 and \$6"


def test_blockquotes_survive():
    assert safe_markdown("> quoted") == "> quoted"


def test_unclosed_fence_is_treated_as_code():
    assert safe_markdown("```\n<b>still streaming") == "```\n<b>still streaming"


def test_extract_code_prefers_python_blocks():
    text = "x\n```bash\nls\n```\n```python\nprint(1)\n```\n```\nprint(2)\n```"
    assert extract_code(text) == "print(1)\n\nprint(2)"
    assert extract_code("```sql\nselect 1\n```") == "select 1"
    assert extract_code("no code") == ""


def test_code_block_fences_text_with_a_fence_no_backtick_run_inside_can_end():
    assert code_block('{"a": 1}', "json") == '```json\n{"a": 1}\n```'
    assert code_block('{"a": 1}', "json", closed=False) == '```json\n{"a": 1}'
    hostile = '{"a": "\n```\n<script>", "b": "````"}'
    fenced = code_block(hostile, "json")
    assert fenced.startswith("`````json\n") and fenced.endswith("\n`````")
    assert closed_prefix_end(fenced + "\n\nafter") == len(fenced) + 2, "the block ends at its own fence only"
    assert closed_prefix_end(code_block(hostile, "json", closed=False) + "\n\nmore") == 0


def test_code_block_leaves_an_already_fenced_reply_alone():
    text = '```json\n{"a": 1}\n```'
    assert code_block(text, "json") == text and code_block("\n" + text, "json") == "\n" + text


# -- the open tail while it streams ------------------------------------------------------------


def shown_under(tail: OpenTail, kind: str) -> list[str]:
    return [tail.text[m.start : m.end] for m in tail.marks if m.kind == kind]


def test_an_open_fence_hides_its_line_and_keeps_the_code_exactly():
    code = "def f(a, b):\n    return a * b  # **not bold** `x`"
    assert open_tail("```python\n" + code + "\n") == OpenTail(code, code=True)


@pytest.mark.parametrize("typed", ["`", "``", "```", "```py", "~~~", "   ```python"])
def test_a_fence_line_still_being_typed_shows_nothing(typed):
    assert open_tail(typed).text.strip("`") == ""
    assert "`" not in open_tail("Intro\n" + typed).text


def test_a_closing_fence_line_is_hidden_too():
    assert open_tail("```\nx = 1\n```\n").text == "x = 1"
    assert open_tail("```\nx = 1\n``").text == "x = 1", "a closing fence being typed"


def test_trailing_line_breaks_wait_for_the_text_after_them():
    assert open_tail("A paragraph.\n\n").text == "A paragraph."
    assert open_tail("**Bold.**\n\n").marks == (Mark(0, 5, "strong"),)


def test_code_after_prose_in_the_same_block_is_marked_code_not_a_box():
    tail = open_tail("Run this:\n```sh\nls **/*.py\n")
    assert tail.text == "Run this:\nls **/*.py" and not tail.code
    assert shown_under(tail, "code") == ["ls **/*.py"]


def test_closed_emphasis_loses_its_markers_and_becomes_marks():
    tail = open_tail("A **bold** and *italic* and __strong__ and _em_ end")
    assert tail.text == "A bold and italic and strong and em end"
    assert shown_under(tail, "strong") == ["bold", "strong"]
    assert shown_under(tail, "em") == ["italic", "em"]


def test_unclosed_emphasis_runs_to_the_end_however_far_the_tail_grows():
    first, later = open_tail("Hello **wor"), open_tail("Hello **world and mo")
    assert (first.text, later.text) == ("Hello wor", "Hello world and mo")
    assert first.marks == later.marks == (Mark(6, None, "strong"),), "no style op while the bold grows"


def test_a_delimiter_run_still_being_typed_is_hidden():
    assert open_tail("It is **bold*").text == "It is bold"
    assert open_tail("Done **bold**").text == "Done bold"
    assert open_tail("Then *").text == "Then "


def test_triple_delimiters_make_strong_and_em():
    tail = open_tail("***both*** after")
    assert tail.text == "both after" and {m.kind for m in tail.marks} == {"strong", "em"}


def test_literal_stars_and_underscores_stay():
    for text in ("2 * 3 = 6 and 4 * 5", "snake_case_name and my_var_2 x", "* item one\n* item two", "2*3=6 ok"):
        assert open_tail(text).text == text, text
        assert open_tail(text).marks == (), text


def test_inline_code_hides_its_backticks_and_its_content_stays_literal():
    tail = open_tail("Use `a **b** c` now and ``x`y`` too")
    assert tail.text == "Use a **b** c now and x`y too"
    assert shown_under(tail, "code") == ["a **b** c", "x`y"]
    assert not shown_under(tail, "strong")


def test_unclosed_inline_code_runs_to_the_end():
    tail = open_tail("Install with `pip inst")
    assert tail.text == "Install with pip inst" and tail.marks == (Mark(13, None, "code"),)


def test_heading_markers_are_hidden_and_the_line_is_marked():
    tail = open_tail("## Results so\nnext line")
    assert tail.text == "Results so\nnext line" and shown_under(tail, "heading") == ["Results so"]
    assert open_tail("#hashtag").text == "#hashtag", "no space after #: not a heading"


def test_escaped_markers_show_as_the_character():
    assert open_tail(r"a \*literal\* b \\ c").text == r"a *literal* b \ c"
    assert open_tail("ends with \\").text == "ends with "


@pytest.mark.parametrize(
    "hostile",
    [
        "*" * 5000,
        "_" * 5000 + "x",
        "`" * 3000,
        "**a" * 2000,
        "\\" * 4001,
        "#" * 100 + " x",
        "",
        "\n\n\n",
        "*_`#\\~" * 500,
    ],
)
def test_hostile_tails_give_text_and_in_range_marks(hostile):
    tail = open_tail(hostile)
    assert len(tail.text) <= len(hostile)
    for mark in tail.marks:
        assert 0 <= mark.start <= len(tail.text) and (mark.end is None or mark.start <= mark.end <= len(tail.text))
