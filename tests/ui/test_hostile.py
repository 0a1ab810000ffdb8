"""Hostile replies: no script, event handler or javascript: URL from model output ever reaches the page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from claude_magic.simulator import ScriptedReply
from claude_magic.ui.safe_html import markdown_html

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "![pic](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[a](http://x.test "t\\" onclick=\\"alert(1)")',
    '```"><script>alert(1)</script>\ncode\n```',
    "<svg onload=alert(1)>",
    "<iframe src=//evil.test></iframe>",
    "<style>body{display:none}</style>",
    '"><img src=x onerror=alert(1)>',
]
HOSTILE = "\n\n".join(PAYLOADS)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def assert_harmless(html: str, *, our_style: bool = False) -> None:
    collector = _Collector()
    collector.feed(html)
    dangerous = {"script", "iframe", "svg", "object", "embed", "form", "input"}
    assert not dangerous & set(collector.tags), collector.tags
    assert collector.tags.count("style") <= (1 if our_style else 0)
    for name, value in collector.attributes:
        assert not name.startswith("on"), (name, value)
        assert "javascript" not in value.lower().replace("\t", ""), (name, value)
        assert not value.lower().startswith("data:"), (name, value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_renders_harmless(payload):
    assert_harmless(markdown_html(payload))


def test_payloads_show_as_text_not_markup():
    html = markdown_html("<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hostile_text_thinking_and_citations_never_reach_the_page(make_panel, session, sim):
    citation = {
        "type": "char_location",
        "cited_text": "<script>alert('cited')</script>" + HOSTILE,
        "document_index": 0,
        "document_title": '"><img src=x onerror=alert(1)><script>alert(2)</script>',
        "start_char_index": 0,
        "end_char_index": 5,
    }
    sim.queue(ScriptedReply(text=HOSTILE + "\n\nThe end.", thinking=HOSTILE, citations=(citation,)))
    panel, handle = make_panel(model="<script>alert('model')</script>", chat="<img src=x onerror=alert(3)>")
    reply = session.ask("q", chat="x", on_event=panel.consume)
    panel.finish(reply)
    for widget_html in (panel.widget.header, panel.widget.note, panel.widget.footnotes, panel.footer_html):
        assert_harmless(widget_html)
    for html in (*panel.body.frozen_html, *panel.thought.frozen_html):
        assert_harmless(html)
    static = handle.updates[-1]._repr_mimebundle_()[0]["text/html"]
    assert_harmless(static, our_style=True)
    assert "&lt;script&gt;alert('cited')" in static or "&lt;script&gt;alert(&#x27;cited&#x27;)" in static
    assert "onerror=alert(1)&gt;" in static, "the hostile title is shown as text"


def test_hostile_text_while_streaming_is_text_or_sanitised_html(make_panel, session, sim):
    sim.queue(ScriptedReply(text=(HOSTILE + "\n\n") * 3, chunk_chars=5))
    panel, _ = make_panel()

    def consume_and_draw(event):
        panel.consume(event)
        panel._redraw()

    session.ask("q", on_event=consume_and_draw)
    ops = panel.widget.sent_ops
    assert len(ops) > 20
    for op in ops:
        if op[0] in ("f", "tf"):  # finished blocks arrive as HTML: sanitised
            assert_harmless(op[1])
        elif op[0] == "c":  # the live token count: a number, worded in the page
            assert isinstance(op[1], int)
        elif op[0] in ("s", "ts"):  # the tail's code box and marks: numbers and known kinds, no text
            assert isinstance(op[1], bool)
            for start, end, kind in op[2]:
                assert isinstance(start, int) and (end is None or isinstance(end, int))
                assert kind in ("strong", "em", "code", "heading")
        else:  # the open tail is set as textContent in the page (ui/stream_view.js): inert
            assert op[0] in ("r", "tr") and isinstance(op[2], str)
