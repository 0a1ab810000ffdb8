"""Drive one notebook in a real browser page as a person would, and read back what the page shows.

`NotebookUI` opens a notebook in JupyterLab 4 or Notebook 7 (both build the same DOM for
notebooks), runs every cell from the Run menu, waits for the kernel to go idle, saves with
Ctrl+S, reloads, and reads the response panel: its text, its header status, its parts.
A `MutationObserver` installed before running records what the live (widget) panel showed
while it streamed, and anything dangerous or any typeset math that ever entered an output.
`CONTRAST_JS` measures WCAG contrast ratios in the page from computed styles.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict

from nbformat.reader import NotJSONError

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from .servers import JupyterServer

PANEL = ".jp-OutputArea-output .claude-reply"
# The live panel is the anywidget view (its output node is not a text/html output).
LIVE_PANEL = '.jp-OutputArea-output:not([data-mime-type="text/html"]) .claude-reply'
SETTLED_PANEL = '.jp-OutputArea-output[data-mime-type="text/html"] .claude-reply'
MATH = "mjx-container, .MathJax, mjx-math"
# Elements that, inside an output, can only have come from markup that should have been escaped.
DANGEROUS = (
    "script, iframe, object, embed, svg, form, [onerror], [onload], [ontoggle], [onclick],"
    ' [onmouseover], a[href^="javascript:" i], img[src^="javascript:" i]'
)
RUN_TIMEOUT_MS = 90_000

# What "looks the same" means for a panel: one computed property of the first element a selector finds.
LOOK = {
    "body font-size": (".claude-body p", "fontSize"),
    "code background": (".claude-body pre", "backgroundColor"),
    "heading font-size": (".claude-body h2", "fontSize"),
    "heading font-weight": (".claude-body h2", "fontWeight"),
    "table cell border": (".claude-body th", "borderTopStyle"),
}
# The open code fence while it streams: shown as text in a code box that must look like the settled <pre>.
OPEN_CODE = ".claude-body .claude-tail.claude-code"

_LOOK_JS = """
(root, look) => {
  const out = {};
  for (const [name, [selector, property]] of Object.entries(look)) {
    const el = root.querySelector(selector);
    if (el) out[name] = getComputedStyle(el)[property];
  }
  return out;
}
"""

_RECORDER_JS = """
([panel, live, math, dangerous, look, openCode]) => {
  const seen = {
    liveTexts: [], liveStatuses: [], dangerous: [], mathInPanel: 0, mathInLive: 0,
    liveLook: {}, openCodeBackgrounds: [], tailFontSizes: [],
  };
  const scan = () => {
    for (const el of document.querySelectorAll(live)) {
      const text = el.innerText;
      if (seen.liveTexts[seen.liveTexts.length - 1] !== text) seen.liveTexts.push(text);
      for (const [name, [selector, property]] of Object.entries(look)) {
        const part = el.querySelector(selector);
        if (part) seen.liveLook[name] = getComputedStyle(part)[property];
      }
      const tail = el.querySelector('.claude-body .claude-tail');
      if (tail && tail.textContent.trim()) {
        const style = getComputedStyle(tail);
        const [list, value] = tail.matches(openCode)
          ? [seen.openCodeBackgrounds, style.backgroundColor] : [seen.tailFontSizes, style.fontSize];
        if (!list.includes(value)) list.push(value);
      }
      const header = el.querySelector('.claude-header');
      const status = header ? header.innerText.split('·').pop().trim() : '';
      if (status && seen.liveStatuses[seen.liveStatuses.length - 1] !== status) seen.liveStatuses.push(status);
      seen.mathInLive = Math.max(seen.mathInLive, el.querySelectorAll(math).length);
    }
    for (const area of document.querySelectorAll('.jp-OutputArea-output')) {
      for (const bad of area.querySelectorAll(dangerous)) {
        const html = bad.outerHTML.slice(0, 200);
        if (!seen.dangerous.includes(html)) seen.dangerous.push(html);
      }
    }
    for (const el of document.querySelectorAll(panel)) {
      seen.mathInPanel = Math.max(seen.mathInPanel, el.querySelectorAll(math).length);
    }
  };
  new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, attributes: true });
  scan();
  window.__claudeSeen = seen;
}
"""

CONTRAST_JS = """
([root, part]) => {
  const parse = (css) => {
    const m = css.match(/^rgba?\\(([^)]+)\\)$/);
    if (!m) throw new Error('unsupported colour ' + css);
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (t, b) => (t * top.a + b * bottom.a * (1 - top.a)) / a;
    return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a };
  };
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg.a > 0) layers.push(bg);
      if (bg.a >= 1) break;
    }
    let result = { r: 255, g: 255, b: 255, a: 1 };  // the canvas under everything
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const luminance = (c) => {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const panel = document.querySelector(root);
  if (!panel) return { error: 'no panel ' + root, items: [] };
  const targets = [...panel.querySelectorAll(part)];
  const items = [];
  for (const target of targets) {
    for (const el of [target, ...target.querySelectorAll('*')]) {
      const ownText = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
      if (!ownText || el.getClientRects().length === 0) continue;
      const bg = background(el);
      const fg = over(parse(getComputedStyle(el).color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
      items.push({
        element: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''),
        text: ownText.slice(0, 40), fg: hex(fg), bg: hex(bg), ratio: (hi + 0.05) / (lo + 0.05),
      });
    }
  }
  items.sort((x, y) => x.ratio - y.ratio);
  return { error: targets.length ? '' : 'no ' + part + ' in panel', items };
}
"""


class ContrastItem(TypedDict):
    """One text-bearing element: its colours as composited in the page and their WCAG ratio."""

    element: str
    text: str
    fg: str
    bg: str
    ratio: float


class Contrast(TypedDict):
    """Every text-bearing element of one part of the panel, lowest ratio first."""

    error: str
    items: list[ContrastItem]


class NotebookUI:
    """One notebook open in one page of JupyterLab 4 or Notebook 7."""

    def __init__(self, page: Page, server: JupyterServer, name: str) -> None:
        self.page, self.server, self.name = page, server, name

    # -- opening, running, saving, reloading -----------------------------------------------

    def open(self) -> None:
        """Load the notebook's page and wait until its cells show and its kernel is idle."""
        self.page.goto(self.server.notebook_url(self.name))
        self.wait_ready()

    def wait_ready(self) -> None:
        """Cells rendered, the toolbar's execution indicator idle and the server's kernel idle."""
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible")
        self.page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(state="attached")
        self.wait_kernel_idle()

    def wait_kernel_idle(self, timeout_s: float = 60.0) -> None:
        """The server reports this notebook's kernel as idle (started and not executing)."""

        def idle() -> bool:
            sessions = self.server.api("GET", "api/sessions")
            mine = [s for s in sessions if s.get("path", "").endswith(self.name) and s.get("kernel")]
            return bool(mine) and all(s["kernel"]["execution_state"] == "idle" for s in mine)

        poll_until(idle, timeout_s, f"kernel of {self.name} idle")

    def record(self) -> None:
        """Start recording what outputs show, from now until the page is left or reloaded."""
        self.page.evaluate(_RECORDER_JS, [PANEL, LIVE_PANEL, MATH, DANGEROUS, LOOK, OPEN_CODE])

    def seen(self) -> dict[str, Any]:
        """What the recorder saw: live texts and statuses, dangerous elements, math inside panels."""
        result: dict[str, Any] = self.page.evaluate("() => window.__claudeSeen")
        return result

    def run_all(self) -> None:
        """Run → Run All Cells, then wait until every code cell has run and the kernel is idle."""
        self.start_run_all()
        self.wait_all_executed()

    def start_run_all(self) -> None:
        """Run → Run All Cells, without waiting: the test watches the page while the cells run."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

    def cell(self, index: int) -> Locator:
        """The `index`-th cell of the notebook (0-based, markdown cells included)."""
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def run_cell(self, index: int) -> None:
        """Select cell `index`, Ctrl+Enter (run it, stay on it), and wait until it has a new execution count."""
        before = self.start_cell(index)
        self.wait_cell_executed(index, before)

    def start_cell(self, index: int) -> str:
        """Select cell `index` and Ctrl+Enter without waiting; returns its prompt before, for `wait_cell_executed`."""
        prompt = self.cell(index).locator(".jp-InputPrompt")
        before = prompt.inner_text().strip()
        prompt.click()
        self.page.keyboard.press("Control+Enter")
        return before

    def wait_cell_executed(self, index: int, before: str) -> None:
        """Cell `index` shows an execution count other than `before`, and the kernel is idle."""
        self.page.wait_for_function(
            """([prompt, before]) => {
              const now = prompt.textContent.trim();
              return /^\\[\\d+\\]:$/.test(now) && now !== before;
            }""",
            arg=[self.cell(index).locator(".jp-InputPrompt").element_handle(), before],
            timeout=RUN_TIMEOUT_MS,
        )
        self.wait_kernel_idle()

    def wait_all_executed(self) -> None:
        """Every code cell shows an execution count (`[3]:`, not `[ ]:` or `[*]:`), and the kernel is idle."""
        self.page.wait_for_function(
            """() => {
              const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
              const done = prompts.length > 0 && prompts.every((p) => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
              const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
              return done && (!indicator || indicator.dataset.status === 'idle');
            }""",
            timeout=RUN_TIMEOUT_MS,
        )
        self.wait_kernel_idle()

    def save(self, saved: Callable[[Any], bool]) -> None:
        """Ctrl+S, then wait until the file on disk satisfies `saved` (a check on the nbformat node)."""
        self.page.locator(".jp-Notebook .jp-InputPrompt").first.click()
        self.page.keyboard.press("Control+s")

        def done() -> bool:
            try:
                return saved(self.server.read_notebook(self.name))
            except NotJSONError:  # caught between the server truncating the file and writing it
                return False

        poll_until(done, 30.0, f"{self.name} saved")

    def reload(self) -> None:
        """Reload the page (a person pressing F5) and wait until the notebook is back."""
        self.page.reload()
        self.wait_ready()

    # -- reading the page ------------------------------------------------------------------

    def settled_panel(self, index: int = 0) -> Locator:
        """The `index`-th settled (static HTML) panel, once it is visible."""
        panel = self.page.locator(SETTLED_PANEL).nth(index)
        panel.wait_for(state="visible")
        return panel

    def look(self, panel: Locator) -> dict[str, str]:
        """The computed properties of `LOOK` in `panel` (a part the panel lacks is left out)."""
        result: dict[str, str] = panel.evaluate(_LOOK_JS, LOOK)
        return result

    def panel_count(self) -> tuple[int, int]:
        """(live widget panels, settled static panels) on the page now."""
        return self.page.locator(LIVE_PANEL).count(), self.page.locator(SETTLED_PANEL).count()

    def header_status(self, panel: Locator) -> str:
        """The status at the end of a panel's header line, e.g. `done`."""
        return panel.locator(".claude-header").inner_text().split("·")[-1].strip()

    def math_in(self, locator: Locator) -> int:
        """How many typeset-math elements are inside `locator`."""
        return locator.locator(MATH).count()

    def dangerous_in_outputs(self) -> list[str]:
        """Elements in any rendered output that only unescaped markup could have made (Lab's own icons sit outside)."""
        found: list[str] = self.page.eval_on_selector_all(
            f".jp-OutputArea-output :is({DANGEROUS})", "els => els.map((e) => e.outerHTML.slice(0, 200))"
        )
        return found

    def contrast(self, part: str, root: str = SETTLED_PANEL) -> Contrast:
        """WCAG contrast of every text-bearing element of `part` (a selector) inside the first panel."""
        result: Contrast = self.page.evaluate(CONTRAST_JS, [root, part])
        return result


def poll_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Wait for a condition outside the page (a file, a REST answer); raise TimeoutError with `what`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s}s waiting for: {what}")
        time.sleep(0.1)  # nothing to subscribe to on disk or over REST; bounded by the deadline
