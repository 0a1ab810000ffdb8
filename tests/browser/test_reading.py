"""What a reader sees in the reply panel, in a real browser: wide tables and long code lines scroll
sideways with every word whole, thinking reads as secondary, the live tail shows no raw Markdown,
and the state is a colour (pulsing while the reply runs) that tells writing, done and failed apart.

Measured on the page: scroll widths against client widths, the client rectangles of every word (a word
broken across lines has two tops), computed styles. Screenshots in build/screenshots/reading-*.png:
settled and failed panels light and dark, 800 px and 1400 px wide; the live panel while its code streams.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from .cells import LOAD, paced, queue
from .conftest import DARK, LIGHT, THEMES, screenshot_path
from .notebook_ui import LIVE_PANEL, RUN_TIMEOUT_MS, SETTLED_PANEL

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from .conftest import OpenNotebook
    from .notebook_ui import NotebookUI
    from .servers import JupyterServer

WCAG_AA = 4.5
NARROW, WIDE = 800, 1400
REGIONS = ("northwest", "southeast", "central", "highlands", "coastline", "riverside", "mountains", "lowlands")
COLUMNS = ("region", "quarter", "revenue_total", "units_shipped", "returns_ratio", "top_product", "sales_owner")
TABLE = "\n".join(
    [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *(
            f"| {r} | Q{n % 4 + 1} | {1000 + n * 37} | {n * 11} | 0.0{n} | widget_{r} | manager_{r} |"
            for n, r in enumerate(REGIONS)
        ),
    ]
)
LONG_LINE = "result = compute_everything(" + ", ".join(f"argument_number_{i}" for i in range(16)) + ")"
REPLY = f"Here is the table.\n\n{TABLE}\n\nAnd the call:\n\n```python\n{LONG_LINE}\nprint(result)\n```\n\nThat is all."
THOUGHT = "I should show the table first. Then the call, on one line, as the user wrote it."
# Streamed at a model's pace: bold that spans many chunks, then a code block with a long line.
LIVE_REPLY = (
    "Intro paragraph.\n\nThe fit **"
    + "steadily " * 10
    + "converged** after twelve steps, with `fit()`.\n\n```python\n"
    + LONG_LINE
    + "".join(f"\nprint(result, {n})  # more lines, so the open block is on the page a while" for n in range(4))
    + "\n```\n\nThat is all."
)

# Words (runs of non-space) of every text node under an element whose rectangles sit on more than one line.
BROKEN_WORDS_JS = """
(root) => {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}
"""
SCROLL_JS = "(el) => ({ scroll: el.scrollWidth, client: el.clientWidth, overflowX: getComputedStyle(el).overflowX })"
STYLE_JS = """
(el) => {
  const s = getComputedStyle(el);
  return { color: s.color, fontSize: s.fontSize, borderLeft: s.borderLeftStyle + ' ' + s.borderLeftColor };
}
"""
STATE_JS = """
(el) => ({
  text: el.textContent, color: getComputedStyle(el).color,
  pulse: getComputedStyle(el, '::before').animationName, weight: getComputedStyle(el).fontWeight,
})
"""
# Installed before the run: what the live panel's tail and state were at every change.
LIVE_RECORDER_JS = (
    """
(live) => {
  const brokenWords = """
    + BROKEN_WORDS_JS
    + """;
  const seen = { tails: [], strongInTail: [], codeTail: null, states: {} };
  const scan = () => {
    for (const panel of document.querySelectorAll(live)) {
      const tail = panel.querySelector('.claude-body .claude-tail');
      if (tail && tail.textContent && seen.tails[seen.tails.length - 1] !== tail.textContent) {
        seen.tails.push(tail.textContent);
        for (const strong of tail.querySelectorAll('strong')) seen.strongInTail.push(strong.textContent);
        if (tail.classList.contains('claude-code') && tail.textContent.includes('argument_number_15)')) {
          seen.codeTail = { scroll: tail.scrollWidth, client: tail.clientWidth, broken: brokenWords(tail) };
        }
      }
      const state = panel.querySelector('.claude-state');
      if (state && !(state.textContent in seen.states)) {
        seen.states[state.textContent] = {
          color: getComputedStyle(state).color, pulse: getComputedStyle(state, '::before').animationName,
        };
      }
    }
  };
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true });
  scan();
  window.__reading = seen;
}
"""
)


def broken_words(locator: Locator) -> list[str]:
    """Every word inside `locator` that the page broke across lines."""
    found: list[str] = []
    for element in locator.all():
        found += element.evaluate(BROKEN_WORDS_JS)
    return found


def assert_scrolls_whole(panel: Locator, when: str) -> None:
    """The wide table and the long code line are wider than the panel and scroll; no word of them is broken."""
    table, pre = panel.locator(".claude-body table"), panel.locator(".claude-body pre")
    for name, part in (("table", table), ("code", pre)):
        box: dict[str, Any] = part.evaluate(SCROLL_JS)
        assert box["scroll"] > box["client"] + 50, f"{when}: the {name} does not overflow to scroll: {box}"
        assert box["overflowX"] == "auto", f"{when}: the {name} does not scroll sideways: {box}"
    broken = broken_words(panel.locator(".claude-body th, .claude-body td, .claude-body pre"))
    assert broken == [], f"{when}: words broken across lines: {broken[:10]}"
    heights = table.locator("tr").evaluate_all("rows => rows.map((r) => r.getBoundingClientRect().height)")
    assert max(heights) < 2.2 * min(heights), f"{when}: table rows wrap: heights {heights}"


def test_wide_table_and_long_code_line_scroll_sideways_with_every_word_whole(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    ui = open_notebook(server, [LOAD, queue(text=REPLY), "%%claude\nShow the regions"])
    ui.page.set_viewport_size({"width": NARROW, "height": 1000})
    ui.run_all()
    panel = ui.settled_panel()
    assert "That is all." in panel.inner_text()
    assert_scrolls_whole(panel, f"{server.app} at {NARROW} px")
    assert panel.locator("td", has_text="northwest").first.inner_text() == "northwest"
    panel.screenshot(path=screenshot_path(f"reading-table-{server.app}-{NARROW}"))


def settled_state(ui: NotebookUI, index: int) -> dict[str, str]:
    result: dict[str, str] = ui.settled_panel(index).locator(".claude-state").evaluate(STATE_JS)
    return result


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_thinking_is_secondary_and_a_failure_unmistakable_in_both_themes_and_widths(
    lab_server: JupyterServer, open_notebook: OpenNotebook, theme: str
) -> None:
    slug = "dark" if theme == DARK else "light"
    failing = queue(text="Partial words that arrive before the failure. " * 6, fail_after_chars=120)
    cells = [LOAD, queue(text=REPLY, thinking=THOUGHT), "%%claude\nShow the regions", failing, "%%claude\nAgain"]
    lab_server.set_lab_setting(THEMES, {"theme": theme})
    try:
        ui = open_notebook(lab_server, cells)
        ui.page.wait_for_function("name => document.body.dataset.jpThemeName === name", arg=theme)
        ui.run_all()
        done, failed = ui.settled_panel(0), ui.settled_panel(1)
        done.locator("details.claude-thinking summary").click()
        thought = done.locator(".claude-thought p")
        thought.wait_for(state="visible")

        answer_style, thought_style = (
            done.locator(".claude-body p").first.evaluate(STYLE_JS),
            thought.evaluate(STYLE_JS),
        )
        assert thought_style["color"] != answer_style["color"], f"thinking has the answer's colour: {thought_style}"
        assert float(thought_style["fontSize"][:-2]) < float(answer_style["fontSize"][:-2]), thought_style
        rule = done.locator(".claude-thought").evaluate(STYLE_JS)["borderLeft"]
        assert rule.startswith("solid"), f"nothing marks where thinking ends: {rule}"

        ok, bad = settled_state(ui, 0), settled_state(ui, 1)
        assert (ok["text"], bad["text"].split(":")[0]) == ("done", "failed")
        assert ok["color"] != bad["color"], f"done and failed look alike: {ok} {bad}"
        assert ok["pulse"] == bad["pulse"] == "none", "a settled state still pulses"
        assert int(bad["weight"]) >= 600, "a failure is not bold"
        edge = failed.evaluate("el => getComputedStyle(el).borderLeftStyle")
        assert edge == "solid", "the failed panel has no bar down its edge"
        assert "Partial words" in failed.inner_text(), "the partial text stays"
        contrast = ui.contrast(".claude-state", root=f'{SETTLED_PANEL}[data-state="failed"]')
        worst = contrast["items"][0]
        assert worst["ratio"] >= WCAG_AA, f"{theme}: the failed state reads at {worst['ratio']:.2f}:1: {worst}"

        for width in (NARROW, WIDE):
            ui.page.set_viewport_size({"width": width, "height": 1000})
            if width == NARROW:
                assert_scrolls_whole(done, f"{theme} at {width} px")
            done.screenshot(path=screenshot_path(f"reading-lab-{slug}-{width}"))
            failed.screenshot(path=screenshot_path(f"reading-failed-lab-{slug}-{width}"))
    finally:
        lab_server.set_lab_setting(THEMES, {"theme": LIGHT})  # before any other test opens a page


def test_live_tail_shows_no_raw_markdown_and_the_state_pulses_in_colour(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    failing = queue(text="Partial words that arrive before the failure. " * 6, fail_after_chars=120)
    cells = [LOAD, paced(40.0, text=LIVE_REPLY, chunk_chars=6), "%%claude\nFit it", failing, "%%claude\nAgain"]
    ui = open_notebook(server, cells)
    ui.page.set_viewport_size({"width": NARROW, "height": 1000})
    ui.page.evaluate(LIVE_RECORDER_JS, LIVE_PANEL)
    ui.start_run_all()
    ui.page.locator(f"{LIVE_PANEL} .claude-tail.claude-code").wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    ui.page.locator(LIVE_PANEL).screenshot(path=screenshot_path(f"reading-live-{server.app}-{NARROW}"))
    ui.wait_all_executed()
    seen: dict[str, Any] = ui.page.evaluate("() => window.__reading")

    tails: list[str] = seen["tails"]
    assert len(tails) >= 5, f"the tail was seen only {len(tails)} times"
    raw = [t for t in tails if "**" in t or "```" in t or "`fit" in t]
    assert raw == [], f"raw Markdown in the live tail: {raw[:3]}"
    assert any("steadily" in s for s in seen["strongInTail"]), "bold text was not bold while it streamed"
    code = seen["codeTail"]
    assert code is not None, "the open code block was never seen with its long line"
    assert code["scroll"] > code["client"] + 50 and code["broken"] == [], f"the live code line wraps: {code}"

    states: dict[str, dict[str, str]] = seen["states"]
    assert "writing" in states, f"never saw the live state writing: {list(states)}"
    assert states["writing"]["pulse"] == "claude-pulse", f"nothing moves while writing: {states['writing']}"
    done, failed = settled_state(ui, 0), settled_state(ui, 1)
    colours = {states["writing"]["color"], done["color"], failed["color"]}
    assert len(colours) == 3, f"writing, done and failed share colours: {states['writing']} {done} {failed}"

    ui.page.emulate_media(reduced_motion="reduce")
    ui.page.evaluate(
        """([panel]) => {
          const probe = Object.assign(document.createElement('span'), { className: 'claude-state', id: 'probe' });
          probe.dataset.state = 'live';
          document.querySelector(panel).querySelector('.claude-header').append(probe);
        }""",
        [SETTLED_PANEL],
    )
    probe = ui.page.locator("#probe").evaluate(STATE_JS)
    assert probe["pulse"] == "none", "the dot pulses although the reader asked for reduced motion"
