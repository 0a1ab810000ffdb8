"""The parts of a reply beyond its text, in a real browser: the thinking accordion and citations.

Each test runs in JupyterLab 4 and in Notebook 7 (the `server` fixture). Replies come from the
kernel's own simulator: a scripted reply with thinking, paced so a person (here, Playwright) can
click while it streams; and the default reply, which cites the first document attached with --cite.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from .cells import LOAD, queue
from .notebook_ui import LIVE_PANEL, SETTLED_PANEL

if TYPE_CHECKING:
    from .conftest import OpenNotebook
    from .servers import JupyterServer

THOUGHT = " ".join(f"Considering option {i}." for i in range(40))  # about 900 characters
ANSWER = "The answer comes after the thinking. " + " ".join(f"point{i}" for i in range(40)) + " Done."
NOTES = "The north region opened two stores in March. The south region was flat."
CITED = "The north region opened two stores in March."
SETTLE_MS = 5_000  # the settled panel re-opens the section when it is added: well within this


def test_thinking_is_collapsed_while_streaming_opens_on_click_and_stays_open_when_settled(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    # 8 characters every 50 ms: about 6 s of thinking, then about 2 s of text.
    reply = queue(text=ANSWER, thinking=THOUGHT, chunk_chars=8, delay_s=0.05)
    ui = open_notebook(server, [LOAD, reply, "%%claude\nThink it over"])
    ui.start_run_all()

    live = ui.page.locator(f"{LIVE_PANEL} details.claude-thinking")
    live.wait_for(state="visible")  # hidden until the first thinking arrives
    first = live.locator(".claude-thought").text_content() or ""
    assert first.strip(), "the thinking section showed before any thinking"
    # Still streaming: the thinking grows while the section stays collapsed.
    ui.page.wait_for_function(
        "([el, n]) => el.querySelector('.claude-thought').textContent.length > n + 40",
        arg=[live.element_handle(), len(first)],
    )
    assert live.evaluate("el => el.open") is False, "the thinking section opened by itself while streaming"
    assert not live.locator(".claude-thought").is_visible(), "collapsed thinking is visible"

    live.locator("summary").click()
    expect(live).to_have_attribute("open", "")
    expect(live.locator(".claude-thought")).to_be_visible()
    assert ui.page.locator(LIVE_PANEL).count() == 1, "the reply settled before the click: slow the reply down"

    ui.wait_all_executed()
    assert ui.panel_count() == (0, 1), "the live panel should have been replaced by the settled one"
    settled = ui.page.locator(f"{SETTLED_PANEL} details.claude-thinking")
    assert settled.locator("summary").inner_text() == "Thinking"
    # The settled HTML carries no `open`: only the page remembering the click can open it.
    expect(settled).to_have_attribute("open", "", timeout=SETTLE_MS)
    expect(settled.get_by_text("Considering option 39.")).to_be_visible()
    assert "Done." in ui.settled_panel().locator(".claude-body").inner_text()

    settled.locator("summary").click()  # and the person can still close it
    expect(settled).not_to_have_attribute("open", "")


def test_cited_document_shows_markers_and_footnotes_with_cited_text_and_title(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    pace = "import os\nos.environ['CLAUDE_MAGIC_SIM_TPS'] = '40'"  # the simulator starts on first use
    cells = [LOAD, f"{pace}\nnotes = {NOTES!r}", "%%claude -a notes --cite\nWhat do the notes say about the north?"]
    ui = open_notebook(server, cells)
    ui.record()
    ui.run_all()
    panel = ui.settled_panel()
    body = panel.locator(".claude-body").inner_text()
    assert "¹" in body, f"no citation marker in the reply: {body!r}"
    notes = panel.locator(".claude-footnotes li")
    expect(notes).to_have_count(1)
    assert notes.first.get_attribute("value") == "1"
    footnote = notes.first.inner_text()
    # The API's cited_text may end in the whitespace that followed it in the document.
    assert re.search(f"“{re.escape(CITED)}\\s*”", footnote), f"the footnote lacks the cited text: {footnote!r}"
    assert "— notes" in footnote, f"the footnote lacks the document title: {footnote!r}"
    assert "South" not in footnote and "flat" not in footnote, "the footnote quotes more than was cited"
    # The footnote was on the page while the reply streamed too, not only once it settled.
    live = ui.seen()["liveTexts"]
    assert any(CITED in text for text in live), f"the live panel never showed the footnote: {live}"
