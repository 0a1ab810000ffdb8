"""The plain Markdown view: throttled in-place updates, a final flush, and terminal streaming."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from claude_magic.core.events import TextDelta
from claude_magic.core.transcript import Reply
from claude_magic.core.usage import Usage
from claude_magic.ui.plain import MarkdownView
from claude_magic.ui.throttle import Throttle


def reply(text: str, stop_reason: str = "end_turn") -> Reply:
    return Reply(
        text=text,
        thinking="",
        citations=(),
        usage=Usage(input_tokens=3, output_tokens=4),
        stop_reason=stop_reason,
        model="claude-sonnet-5-5",
        message_id="msg_1",
        cost_usd=0.001,
    )


def stream_words(view: MarkdownView, count: int) -> str:
    text = ""
    for i in range(count):
        chunk = f"word{i} "
        text += chunk
        view.consume(TextDelta(chunk, text))
    return text


def test_throttle_caps_redraws_and_flushes_the_final_state():
    now = [0.0]
    drawn = []
    throttle = Throttle(lambda: drawn.append(now[0]), interval_s=0.1, clock=lambda: now[0])
    for _ in range(100):
        now[0] += 0.01  # 100 changes over one second
        throttle.poke()
    assert throttle.redraws == 10
    throttle.flush()
    assert throttle.redraws == 11 and drawn[-1] == now[0]
    throttle.flush()
    assert throttle.redraws == 11, "nothing new to flush"


def test_display_handle_is_updated_in_place_and_ends_with_the_whole_reply():
    InteractiveShell.instance()
    view = MarkdownView(live=True, rich=True)
    with capture_output() as captured:
        text = stream_words(view, 2000)
        view.finish(reply(text))
    markdown = [o.data["text/markdown"] for o in captured.outputs]
    assert len(markdown) <= 3, "2000 deltas in well under 0.3 s must not mean 2000 redraws"
    assert markdown[-1].startswith(text.strip()) or text.strip() in markdown[-1]
    assert "claude-sonnet-5-5" in markdown[-1] and "$0.0010" in markdown[-1]


def test_no_stream_renders_once():
    InteractiveShell.instance()
    view = MarkdownView(live=False, rich=True)
    with capture_output() as captured:
        text = stream_words(view, 50)
        view.finish(reply(text))
    assert len(captured.outputs) == 1


def test_stop_reason_is_explained():
    InteractiveShell.instance()
    view = MarkdownView(live=False, rich=True)
    with capture_output() as captured:
        view.finish(reply("cut", stop_reason="max_tokens"))
    assert "raise --max-tokens" in captured.outputs[-1].data["text/markdown"]


def test_a_refusal_names_its_category_and_explanation():
    InteractiveShell.instance()
    view = MarkdownView(live=False, rich=True)
    details = {"type": "refusal", "category": "cyber", "explanation": "Could enable intrusion."}
    refused = Reply("", "", (), Usage(), "refusal", "claude-sonnet-5-5", "msg_2", stop_details=details)
    with capture_output() as captured:
        view.finish(refused)
    assert "declined to answer (cyber: Could enable intrusion.)" in captured.outputs[-1].data["text/markdown"]


def test_terminal_streams_text_then_summary(capsys):
    view = MarkdownView(live=True, rich=False)
    text = stream_words(view, 5)
    view.finish(reply(text))
    out = capsys.readouterr().out
    assert out.startswith("word0 word1") and out.rstrip().endswith("$0.0010]")


def test_partial_text_is_marked_incomplete(capsys):
    view = MarkdownView(live=True, rich=False)
    stream_words(view, 3)
    view.stop(None, "interrupted")
    assert "word2" in capsys.readouterr().out
