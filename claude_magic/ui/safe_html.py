"""Untrusted Markdown -> sanitised HTML: markdown-it-py with raw HTML off, Pygments for code, nh3 last."""

from __future__ import annotations

import functools
import html
from typing import Any

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

ROOT_CLASS = "claude-reply"
# Jupyter's MathJax (Lab, classic and nbconvert pages) skips elements with this class, so `$` stays text.
NO_MATH_CLASS = "tex2jax_ignore"
_URL_SCHEMES = {"http", "https", "mailto"}
_TOKEN_CLASSES = set(STANDARD_TYPES.values()) - {""}
_ALLOWED_CLASSES = {"span": _TOKEN_CLASSES}
_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, "th": {"style"}, "td": {"style"}}


def markdown_html(text: str) -> str:
    """Safe HTML for untrusted Markdown: tables, highlighted code, no raw HTML, no LaTeX."""
    return sanitise(_parser().render(text))


def text_html(text: str) -> str:
    """Safe HTML showing `text` literally."""
    return html.escape(text)


def sanitise(markup: str) -> str:
    """`markup` with every script, event handler, style block and non-web URL removed."""
    return nh3.clean(
        markup,
        attributes=_ATTRIBUTES,
        allowed_classes=_ALLOWED_CLASSES,
        url_schemes=_URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer nofollow",
    )


@functools.cache
def highlight_css() -> str:
    """The Pygments colours for code inside the reply root."""
    scope = f".{ROOT_CLASS} pre"
    rules = str(HtmlFormatter().get_style_defs(scope)).splitlines()
    return "\n".join(rule.split(" /*")[0] for rule in rules if rule.startswith(scope))


@functools.cache
def _parser() -> MarkdownIt:
    # "commonmark" has no math rule, so `$` is plain text; html=False escapes raw HTML.
    parser = MarkdownIt("commonmark", {"html": False, "highlight": _highlight})
    return parser.enable(["table", "strikethrough"])


def _highlight(code: str, language: str, attributes: Any) -> str:
    """Token spans for `code` (markdown-it wraps them in <pre><code>); '' means: escape it plainly."""
    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        return ""
    if lexer is None:
        return ""
    return str(highlight(code, lexer, HtmlFormatter(nowrap=True)))
