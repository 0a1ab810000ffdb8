"""The panel streamed through plain display outputs: blocks once, the tail in place, one settled panel."""

from __future__ import annotations

from typing import Any

from claude_magic.core.events import Started, TextDelta
from claude_magic.ui import display_view
from claude_magic.ui.display_view import DisplayView


class Outputs:
    """A notebook's output area as display ids see it: each display appends, each update replaces."""

    def __init__(self) -> None:
        self.html: list[str] = []
        self.messages = 0

    def __call__(self, obj: Any, display_id: bool = False) -> Any:
        assert display_id is True
        self.html.append(obj._repr_mimebundle_()["text/html"])
        self.messages += 1
        return _Handle(self, len(self.html) - 1)


class _Handle:
    def __init__(self, outputs: Outputs, index: int) -> None:
        self.outputs, self.index = outputs, index

    def update(self, obj: Any) -> None:
        bundle = obj._repr_mimebundle_()
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle  # (data, metadata)
        self.outputs.html[self.index] = bundle["text/html"]
        self.outputs.messages += 1


def panel_with(outputs: Outputs, monkeypatch):
    from claude_magic.ui.panel import ResponsePanel

    monkeypatch.setattr(display_view, "_display", outputs)
    monkeypatch.setattr(display_view, "TAIL_CHARS_PER_S", float("inf"))  # no clock here: every redraw draws
    return ResponsePanel("claude-opus-5-5", "default", plain=True, show=lambda view: outputs(view, display_id=True))


def stream(panel, text: str, step: int = 7) -> None:
    panel.consume(Started(model="claude-opus-5-5", message_id="msg_1", input_tokens=10))
    for end in range(step, len(text) + step, step):
        panel.consume(TextDelta(chunk=text[end - step : end], text=text[:end], marked=text[:end]))
        panel._throttle.flush()


def test_finished_blocks_are_appended_once_and_the_tail_updates_in_place(monkeypatch):
    outputs = Outputs()
    panel = panel_with(outputs, monkeypatch)
    stream(panel, "First **block** here.\n\nSecond block.\n\nAnd the open ta")
    header, *rest = outputs.html
    assert "claude-opus-5-5" in header and "writing" in header
    *blocks, tail = rest
    assert blocks and sum(html.count("<strong>block</strong>") for html in blocks) == 1
    assert sum(html.count("<p>Second block.</p>") for html in blocks) == 1, "each finished block is shown once"
    assert "claude-tail" not in "".join(blocks)
    assert "And the open ta" in tail and "claude-tail" in tail and "Second" not in tail
    assert "tokens so far" in tail


def test_the_settled_panel_is_one_output_and_the_rest_are_emptied(monkeypatch):
    from claude_magic.core.transcript import Reply
    from claude_magic.core.usage import Usage

    outputs = Outputs()
    panel = panel_with(outputs, monkeypatch)
    stream(panel, "One.\n\nTwo.")
    usage = Usage(input_tokens=10, output_tokens=4)
    reply = Reply("One.\n\nTwo.", "", (), usage, "end_turn", "claude-opus-5-5", "msg_1")
    panel.finish(reply)
    header, *rest = outputs.html
    assert "One." in header and "Two." in header and "data-state='done'>done</span>" in header
    assert rest and all(html == "" for html in rest), "the live pieces are emptied, the panel holds the reply"


def test_model_text_is_escaped_in_the_tail(monkeypatch):
    outputs = Outputs()
    panel = panel_with(outputs, monkeypatch)
    stream(panel, "<img src=x onerror=alert(1)> tail", step=40)
    assert all("<img" not in html for html in outputs.html)


def test_a_long_tail_is_resent_less_often(monkeypatch):
    now = [0.0]
    outputs = Outputs()
    monkeypatch.setattr(display_view, "_display", outputs)
    view = DisplayView(clock=lambda: now[0])
    text = "x" * 8000  # one open block: 8,000 characters of tail
    for end in range(80, len(text) + 80, 80):
        now[0] += 0.2
        view.send_ops([["r", end - 80, text[end - 80 : end]]])
    sent = sum(len(html) for html in outputs.html)
    assert outputs.messages < 60, "an 8,000-character tail is not re-sent on every redraw"
    assert "x" * 7000 in outputs.html[-1] or outputs.messages > 1
    assert sent < 20 * len(text)
