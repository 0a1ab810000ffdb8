"""The `%%claude` response panel in a real browser: streaming, safety, persistence, math and contrast.

Every assertion is on the page (DOM text, element counts, computed styles), in JupyterLab 4 unless
the test takes the `server` fixture (JupyterLab 4 and Notebook 7) or its name says Notebook 7.
Replies come from the simulator: the default reply (which quotes the prompt) or a scripted one
queued from inside the kernel on `claude_magic.session().connection.simulator`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from .cells import LOAD, has_settled_panel, paced, queue
from .conftest import DARK, LIGHT, THEMES, new_page, screenshot_path
from .notebook_ui import LIVE_PANEL, LOOK, Contrast, NotebookUI

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator

    from .conftest import OpenNotebook
    from .servers import JupyterServer

WCAG_AA = 4.5
PWNED = "window.__pwned"
HOSTILE = "\n\n".join(
    [
        "Before the payloads.",
        "<img src=x onerror=window.__pwned=1>",
        "<script>window.__pwned=2</script>",
        "<svg onload=window.__pwned=3></svg>",
        "<details open ontoggle=window.__pwned=4>x</details>",
        "<iframe srcdoc='<script>parent.__pwned=5</script>'></iframe>",
        "[click me](javascript:window.__pwned=6)",
        "<style>.claude-reply { display: none !important }</style>",
        '"><img src=x onerror=window.__pwned=7>',
        "After the payloads.",
    ]
)
PRICE = "A price of $5 and $10"
PACE_TPS = 40.0  # tokens per second: about 160 characters a second, a few seconds for RICH
RICH = """## Results

The fit converged after twelve steps. Here is the code that ran, and the loss it reached.

```python
def fit(data, steps=12):
    # one gradient step per round
    for step in range(steps):
        data = [x * 0.5 for x in data]
    return sum(data) / len(data)
```

| step | loss |
|------|------|
| 1 | 0.91 |
| 12 | 0.07 |

That is all."""
CITATION = {
    "type": "char_location",
    "cited_text": "Twelve steps were enough.",
    "document_index": 0,
    "document_title": "training log",
    "start_char_index": 0,
    "end_char_index": 25,
}
MATH_CONTROL = "<p class='math-control'>control: $x^2$</p>"


def assert_rich(panel: Locator, when: str) -> None:
    """RICH as rendered: its heading, its code highlighted by Pygments, its table with a header row."""
    body = panel.locator(".claude-body")
    assert body.locator("h2").inner_text() == "Results", f"{when}: no heading"
    code = body.locator("pre code")
    assert "def fit(data, steps=12):" in code.inner_text(), f"{when}: no code block"
    kinds = set(code.locator("span").evaluate_all("els => els.map((e) => e.className)"))
    assert {"k", "c", "m"} <= kinds, f"{when}: code not highlighted (token classes {sorted(kinds)})"
    assert body.locator("table th").all_inner_texts() == ["step", "loss"], f"{when}: no table header"
    assert body.locator("table td").count() == 4, f"{when}: table rows missing"


def shown(panel: Locator) -> str:
    """The start of a panel's reply text on one line (math renders as one glyph per line)."""
    text = panel.inner_text()
    return " ".join(text[text.find("done") + 4 :].split())[:60]


def assert_harmless(ui: NotebookUI, when: str) -> None:
    """No handler ran, no dangerous element is in any output, the reply shows its payloads as text."""
    assert ui.page.evaluate(f"() => typeof {PWNED}") == "undefined", f"{when}: a payload ran"
    assert ui.dangerous_in_outputs() == [], f"{when}: dangerous elements in the output"
    panel = ui.settled_panel()
    assert panel.is_visible(), f"{when}: the reply's <style> hid the panel"
    text = panel.inner_text()
    assert "<img src=x onerror=window.__pwned=1>" in text, f"{when}: payload not shown as text"
    assert "After the payloads." in text
    assert panel.locator("style").count() == 0, f"{when}: a <style> from the reply reached the page"
    assert ui.page.locator("style#claude-magic-style").count() == 1, f"{when}: the panel's one stylesheet"


# -- streaming -------------------------------------------------------------------------------


def test_paced_reply_streams_then_settles_into_heading_code_and_table_looking_as_it_did_live(
    server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    """A Markdown reply at a model's pace: several live states, then a heading, highlighted code and a
    table; body font, code background, heading and table borders the same live, settled and after reload."""
    ui = open_notebook(server, [LOAD, paced(PACE_TPS, text=RICH, chunk_chars=12), "%%claude\nShow me the fit"])
    ui.record()
    ui.run_all()
    assert ui.cell(1).locator(".jp-OutputArea-output").inner_text().strip() == f"{PACE_TPS:.1f}", "pace not set"
    panel = ui.settled_panel()
    assert "That is all." in panel.inner_text()
    assert ui.header_status(panel) == "done"
    assert ui.panel_count() == (0, 1), "the live widget should have been replaced by the static panel"
    assert_rich(panel, "settled")

    seen = ui.seen()
    live_texts: list[str] = seen["liveTexts"]
    assert len(live_texts) >= 3, f"the live panel redrew only {len(live_texts)} times: {live_texts}"
    assert any("Results" in t and "That is all." not in t for t in live_texts), live_texts
    assert "writing" in seen["liveStatuses"], seen["liveStatuses"]

    settled = ui.look(panel)
    print(f"live {seen['liveLook']} tail {seen['tailFontSizes']} code {seen['openCodeBackgrounds']}; settled {settled}")
    assert set(settled) == set(LOOK), f"settled panel lacks parts: {settled}"
    live = seen["liveLook"]
    for name in ("body font-size", "code background", "heading font-size", "heading font-weight"):
        assert name in live, f"the live panel never showed its {name}: {live}"
    assert {k: settled[k] for k in live} == live, "the panel restyled when the reply settled"
    assert seen["tailFontSizes"] == [settled["body font-size"]], "the streaming text had another font size"
    assert seen["openCodeBackgrounds"] == [settled["code background"]], "the open code block had another background"

    ui.save(has_settled_panel)
    ui.reload()
    reloaded = ui.settled_panel()
    assert_rich(reloaded, "after reload")
    assert ui.look(reloaded) == settled, "the panel looks different after save and reload"


# -- hostile replies ---------------------------------------------------------------------------


def test_hostile_reply_never_executes_live_settled_or_after_reload(
    lab_server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    citation = {
        "type": "char_location",
        "cited_text": "<img src=x onerror=window.__pwned=8>",
        "document_index": 0,
        "document_title": '"><script>window.__pwned=9</script>',
        "start_char_index": 0,
        "end_char_index": 5,
    }
    cells = [LOAD, queue(text=HOSTILE, thinking=HOSTILE, citations=(citation,), delay_s=0.01), "%%claude\nhi"]
    ui = open_notebook(lab_server, cells)
    ui.record()
    ui.run_all()
    assert_harmless(ui, "settled")
    seen = ui.seen()
    assert seen["liveTexts"], "the live panel was never seen"
    assert seen["dangerous"] == [], f"live: dangerous elements appeared while streaming: {seen['dangerous']}"
    ui.save(has_settled_panel)
    ui.reload()
    assert_harmless(ui, "after reload")


def test_prompt_echoed_by_the_default_reply_stays_text(lab_server: JupyterServer, open_notebook: OpenNotebook) -> None:
    ui = open_notebook(lab_server, [LOAD, "%%claude\n<img src=x onerror=window.__pwned=1>"])
    ui.record()
    ui.run_all()
    panel = ui.settled_panel()
    assert 'You asked: "<img src=x onerror=window.__pwned=1>"' in panel.inner_text()
    assert ui.page.evaluate(f"() => typeof {PWNED}") == "undefined"
    assert ui.dangerous_in_outputs() == []
    assert ui.seen()["dangerous"] == []


# -- persistence -------------------------------------------------------------------------------


def test_saved_reply_is_still_visible_after_reload(lab_server: JupyterServer, open_notebook: OpenNotebook) -> None:
    ui = open_notebook(lab_server, [LOAD, "%%claude\nRemember me"])
    ui.run_all()
    before = ui.settled_panel().inner_text()
    assert 'You asked: "Remember me"' in before
    ui.save(has_settled_panel)
    ui.reload()
    panel = ui.settled_panel()
    assert panel.inner_text() == before
    assert ui.header_status(panel) == "done"
    assert ui.page.locator(LIVE_PANEL).count() == 0
    outputs = ui.page.locator(".jp-Notebook").inner_text()
    assert "Error displaying widget" not in outputs and "model not found" not in outputs.lower()


# -- math --------------------------------------------------------------------------------------


def test_dollar_amounts_stay_literal_live_settled_and_after_reload(
    lab_server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    """`$5 and $10` is prices, not TeX. A later output with real math proves MathJax ran over the page."""
    text = f"{PRICE}. " + " ".join(f"filler{i}" for i in range(40)) + " The end."
    cells = [
        LOAD,
        queue(text=text, chunk_chars=8, delay_s=0.03),
        "%%claude\nWhat does it cost?",
        f"from IPython.display import HTML\nHTML({MATH_CONTROL!r})",
    ]
    ui = open_notebook(lab_server, cells)
    ui.record()
    ui.run_all()
    control = ui.page.locator(".math-control mjx-container")
    control.first.wait_for(state="attached")  # MathJax typeset the later output, so it had ours first

    problems: list[str] = []  # every phase is checked, so one run tells which of them typeset math
    seen = ui.seen()
    assert any(PRICE in t for t in seen["liveTexts"]), f"live panel never showed the price: {seen['liveTexts']}"
    if seen["mathInLive"]:
        problems.append(f"live: {seen['mathInLive']} math elements in the streaming panel")
    panel = ui.settled_panel()
    if ui.math_in(panel) or PRICE not in panel.inner_text():
        problems.append(f"settled: {ui.math_in(panel)} math elements; shows {shown(panel)!r}")

    ui.save(has_settled_panel)
    ui.reload()
    ui.page.locator(".math-control mjx-container").first.wait_for(state="attached")
    panel = ui.settled_panel()
    if ui.math_in(panel) or PRICE not in panel.inner_text():
        problems.append(f"after reload: {ui.math_in(panel)} math elements; shows {shown(panel)!r}")
    assert not problems, f"{PRICE!r} was typeset as TeX: {problems}"


# -- contrast in light and dark themes ---------------------------------------------------------

PARTS = {
    "body": ".claude-body p, .claude-body li",
    "code": ".claude-body pre",
    "header": ".claude-header",
    "footer": ".claude-footer",
    "table": ".claude-body th, .claude-body td",
    "thinking": ".claude-thinking",
    "footnotes": ".claude-footnotes",
}


@dataclass
class ThemedPanel:
    """A settled panel's contrast, measured in one theme (the page was then closed)."""

    theme: str
    contrast: dict[str, Contrast]


@pytest.fixture(scope="module", params=[LIGHT, DARK], ids=["light", "dark"])
def themed_panel(request: pytest.FixtureRequest, browser: Browser, lab_server: JupyterServer) -> Iterator[ThemedPanel]:
    """Run one reply in the theme, screenshot it, measure every part, and put the light theme back."""
    theme: str = request.param
    slug = "dark" if theme == DARK else "light"
    name = f"contrast-{slug}.ipynb"
    # Every part a reply can have, so the screenshots show them and every part's text is measured.
    reply = queue(text=RICH, thinking="The loss table should come last.", citations=(CITATION,))
    lab_server.write_notebook(name, [LOAD, reply, "%%claude\nShow me the colours"])
    lab_server.set_lab_setting(THEMES, {"theme": theme})
    page = new_page(browser)
    try:
        ui = NotebookUI(page, lab_server, name)
        ui.open()
        page.wait_for_function("name => document.body.dataset.jpThemeName === name", arg=theme)
        ui.run_all()
        panel = ui.settled_panel()
        panel.locator(".claude-footer").wait_for(state="visible")
        panel.locator("details.claude-thinking summary").click()  # open, so the screenshot shows it
        panel.locator(".claude-thinking p").wait_for(state="visible")
        panel.screenshot(path=screenshot_path(f"panel-{slug}"))
        page.screenshot(path=screenshot_path(f"page-lab-{slug}"))
        measured = {part: ui.contrast(selector) for part, selector in PARTS.items()}
    finally:
        page.context.close()
        lab_server.shutdown_kernels()
        lab_server.set_lab_setting(THEMES, {"theme": LIGHT})  # before any other test opens a page
    yield ThemedPanel(theme, measured)


@pytest.mark.parametrize("part", list(PARTS))
def test_panel_text_contrast_meets_wcag_aa(themed_panel: ThemedPanel, part: str) -> None:
    measured = themed_panel.contrast[part]
    assert not measured["error"], measured["error"]
    assert measured["items"], f"no text found in {part}"
    worst = measured["items"][0]
    print(
        f"{themed_panel.theme} {part}: lowest {worst['ratio']:.2f}:1, {worst['element']} {worst['fg']} on {worst['bg']}"
    )
    failing = [i for i in measured["items"] if i["ratio"] < WCAG_AA]
    summary = "; ".join(f"{i['element']} {i['fg']} on {i['bg']} = {i['ratio']:.2f}:1 ({i['text']!r})" for i in failing)
    assert worst["ratio"] >= WCAG_AA, f"{themed_panel.theme}, {part}: {len(failing)} below {WCAG_AA}:1: {summary}"


# -- Notebook 7 --------------------------------------------------------------------------------


def test_notebook7_reply_settles_and_survives_reload(
    notebook_server: JupyterServer, open_notebook: OpenNotebook
) -> None:
    ui = open_notebook(notebook_server, [LOAD, "%%claude\nHello from Notebook 7"])
    ui.run_all()
    panel = ui.settled_panel()
    text = panel.inner_text()
    assert "[Simulated reply]" in text and 'You asked: "Hello from Notebook 7"' in text
    assert ui.header_status(panel) == "done"
    ui.page.screenshot(path=screenshot_path("page-notebook7-light"))
    ui.save(has_settled_panel)
    ui.reload()
    panel = ui.settled_panel()
    assert panel.inner_text() == text
    assert ui.header_status(panel) == "done"
