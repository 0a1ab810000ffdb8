"""Markdown -> safe HTML: tables are tables, code is highlighted, `$` is text, links stay web links."""

from __future__ import annotations

from claude_magic.ui.panel import stylesheet
from claude_magic.ui.safe_html import markdown_html


def test_tables_are_tables():
    html = markdown_html("| a | b |\n|--:|---|\n| 1 | 2 |")
    assert "<table>" in html and '<th style="text-align:right">a</th>' in html and "<td>2</td>" in html


def test_code_is_highlighted_with_known_classes_only():
    html = markdown_html("```python\nif x < 1:\n    pass\n```")
    assert '<span class="k">if</span>' in html and "&lt;" in html
    assert '<span class="n">' not in html, "names are plain text: a span only where the theme colours"
    assert 'body[data-jp-theme-light="false"] .claude-reply.claude-reply .k' in stylesheet(), "dark code colours"


def test_unknown_language_is_plain_escaped_code():
    html = markdown_html("```nosuchlang\n<b>x</b>\n```")
    assert "<pre><code" in html and "&lt;b&gt;x&lt;/b&gt;" in html and "<span" not in html


def test_dollars_stay_text():
    assert markdown_html("costs $5 and $6, or $x^2$") == "<p>costs $5 and $6, or $x^2$</p>\n"


def test_web_links_survive_with_safe_rel():
    html = markdown_html("[docs](https://example.com/a?b=1)")
    assert 'href="https://example.com/a?b=1"' in html and 'rel="noopener noreferrer nofollow"' in html
