"""Safe Markdown for untrusted model text, and code extraction for --format code."""

from __future__ import annotations

from claude_magic.core.render import closed_prefix_end, code_block, extract_code, safe_markdown


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
