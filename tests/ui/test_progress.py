"""The batch progress bar: live widgets, then an output a saved notebook renders without the kernel."""

from __future__ import annotations

from typing import Any

from claude_magic.ui.progress import WidgetProgress


class Shown:
    """Stands in for IPython's display(..., display_id=True): what was shown, then each update."""

    def __init__(self) -> None:
        self.objects: list[Any] = []

    def __call__(self, obj: Any, display_id: bool = False) -> Shown:
        assert display_id is True, "the bar's output is replaced at the end, so it needs a display id"
        self.objects.append(obj)
        return self

    def update(self, obj: Any) -> None:
        self.objects.append(obj)


def test_the_final_state_replaces_the_widgets_as_html_and_text():
    shown = Shown()
    bar = WidgetProgress(8, "batch msgbatch_1", show=shown)
    bar.update(3, "3 succeeded")
    assert bar.label.value == "batch msgbatch_1: 3 of 8 (3 succeeded)"
    bar.close("joined 8 rows into reviews['label']; 1 errored: %claude batch retry")
    live, final = shown.objects
    assert live is bar.box, "while the batch runs, the bar is the live widget"
    bundle = final._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}, "no widget in what the notebook keeps"
    note = "joined 8 rows into reviews['label']; 1 errored: %claude batch retry"
    assert bundle["text/plain"] == f"batch msgbatch_1: 8 of 8 ({note})"
    assert "joined 8 rows into reviews[&#x27;label&#x27;]" in bundle["text/html"]
    assert "<progress value='8' max='8'" in bundle["text/html"]
    assert bar.box.comm is None and bar.bar.comm is None, "the widgets are closed once the output holds the text"


def test_a_hostile_note_is_text_in_the_html():
    shown = Shown()
    bar = WidgetProgress(2, "batch <b>x</b>", show=shown)
    bar.update(1, "<img src=x onerror=alert(1)>")
    assert "<img" not in bar.label.value
    bar.close("<script>alert(1)</script>")
    html = shown.objects[-1]._repr_mimebundle_()["text/html"]
    assert "<script" not in html and "<b>" not in html and "&lt;script&gt;" in html


def test_the_bar_keeps_its_width_and_the_label_may_wrap():
    bar = WidgetProgress(8, "batch", show=Shown())
    assert bar.bar.layout.width and bar.bar.layout.flex == "none", "a growing label must not shrink the bar"
    assert bar.label.layout.min_width == "0", "the label wraps instead of running past the right edge"
