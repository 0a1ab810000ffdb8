"""Untrusted Markdown -> sanitised HTML: markdown-it-py with raw HTML off, Pygments for code, nh3 last."""

from __future__ import annotations

import functools
import html
from typing import Any

import nh3
from markdown_it import MarkdownIt
from pygments import lex
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES, Token, _TokenType
from pygments.util import ClassNotFound

ROOT_CLASS = "claude-reply"
# MathJax skips elements with these classes, so `$` stays text: mathjax_ignore is MathJax 3's
# (JupyterLab 4, Notebook 7), tex2jax_ignore MathJax 2's (classic notebook, older nbconvert pages).
NO_MATH_CLASSES = "mathjax_ignore tex2jax_ignore"
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
def _parser() -> MarkdownIt:
    # "commonmark" has no math rule, so `$` is plain text; html=False escapes raw HTML.
    parser = MarkdownIt("commonmark", {"html": False, "highlight": _highlight})
    return parser.enable(["table", "strikethrough"])


# Token kinds the stylesheet colours; everything else (names, punctuation, operators) is plain text,
# so highlighted code costs a few spans per line, not one per token.
_COLOURED = (Token.Keyword, Token.Operator.Word, Token.Literal.String, Token.Comment, Token.Literal.Number)
_COLOURED += (Token.Name.Builtin, Token.Name.Function, Token.Name.Class)


def _highlight(code: str, language: str, attributes: Any) -> str:
    """Token spans for `code` (markdown-it wraps them in <pre><code>); '' means: escape it plainly."""
    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        return ""
    if lexer is None:
        return ""
    return "".join(_spans(lex(code, lexer)))


def _spans(tokens: Any) -> list[str]:
    """Escaped text, with runs of one coloured token kind wrapped in a span of its Pygments class."""
    pieces: list[str] = []
    run_class, run_text = "", ""
    for kind, text in tokens:
        css = _css_class(kind)
        if css != run_class and run_text:
            pieces.append(_span(run_class, run_text))
            run_text = ""
        run_class, run_text = css, run_text + text
    if run_text:
        pieces.append(_span(run_class, run_text))
    return pieces


def _css_class(kind: _TokenType) -> str:
    """The class of the coloured kind `kind` belongs to (any string is "s"), or "" for plain text."""
    return next((STANDARD_TYPES[coloured] for coloured in _COLOURED if kind in coloured), "")


def _span(css: str, text: str) -> str:
    escaped = html.escape(text, quote=False)
    return f'<span class="{css}">{escaped}</span>' if css else escaped
