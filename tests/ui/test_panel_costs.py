"""The panel's costs: the range priced before sending in the header, and the live output-token count
in the footer; the real SDK against the strict simulator."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from claude_magic.simulator import ScriptedReply
from tests.ui.page import Page


def paths(sim):
    return [urlsplit(r.path).path for r in sim.requests if r.method == "POST"]


def test_the_panel_header_shows_the_counted_range_while_the_reply_runs(make_panel, session, sim):
    session.preflight_tokens = 0  # count every request
    panel, _handle = make_panel()
    headers = []

    def consume(event):
        headers.append(panel.widget.header)
        panel.consume(event)

    prepared = session.prepare("What is 2 + 2?")
    session.commit(prepared, session.send(prepared, consume, panel.note, on_estimate=panel.estimate))
    assert paths(sim) == ["/v1/messages/count_tokens", "/v1/messages"]
    # The simulator counts ceil(characters / 4); "What is 2 + 2?" and the role make a handful of tokens.
    match = re.search(r"est\. \$([\d.]+)–\$([\d.]+) \((\d+) tokens in\)", headers[0])
    assert match, headers[0]
    low, high, tokens = float(match[1]), float(match[2]), int(match[3])
    assert 1 <= tokens < 20
    assert low == pytest.approx(tokens * 2e-6, abs=6e-5)  # claude-sonnet-5-5: $2 input per million
    assert high == pytest.approx(tokens * 2.5e-6 + 4096 * 1e-5, abs=6e-5)  # 5m writes and all 4,096 output
    assert all(match[0] in header for header in headers), "shown for as long as the reply runs"


def test_the_live_footer_counts_tokens_as_the_reply_grows_then_shows_the_real_count(make_panel, session, sim):
    text = "A sentence of forty characters exactly. " * 50  # 2,000 characters
    sim.queue(ScriptedReply(text=text, chunk_chars=40))
    panel, handle = make_panel()
    counts = []

    def consume_and_draw(event):
        panel.consume(event)
        panel._redraw()
        counts.append(Page.replay(panel.widget.sent_ops).footer)

    reply = session.ask("go", on_event=consume_and_draw)
    live = [c for c in counts if c]
    assert live[0] == "~10 tokens so far" and live[-1] == "~500 tokens so far"  # 40 and 2,000 characters / 4
    assert len(set(live)) > 10, "it grows mid-stream"
    panel.finish(reply)
    static = handle.updates[-1]._repr_mimebundle_()[0]["text/html"]
    assert f"{reply.usage.output_tokens:,} out" in static and "tokens so far" not in static


def test_the_live_count_rides_in_the_text_messages_not_in_extra_state_updates(make_panel, session, sim):
    sim.queue(ScriptedReply(text="word " * 400, chunk_chars=20))
    panel, _ = make_panel()
    sent_messages = []
    panel.widget.send = lambda content, buffers=None: sent_messages.append(content)

    def consume_and_draw(event):
        panel.consume(event)
        panel._redraw()

    session.ask("go", on_event=consume_and_draw)
    counted = [m for m in sent_messages if any(op[0] == "c" for op in m["ops"])]
    assert counted and all(len(m["ops"]) > 1 for m in counted), "every count shares a message with text"
