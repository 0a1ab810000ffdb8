"""`with view:` settles a reply view however the block ends, and never swallows the exception."""

from __future__ import annotations

import pytest
from IPython.utils.capture import capture_output

from claude_magic.core.errors import ClaudeMagicError, StreamFailed
from claude_magic.core.transcript import Reply
from claude_magic.core.usage import Usage
from claude_magic.ui.plain import MarkdownView


def a_reply(text: str) -> Reply:
    usage = Usage(input_tokens=3, output_tokens=4)
    return Reply(text=text, thinking="", citations=(), usage=usage, stop_reason="end_turn", model="m", message_id="x")


def settled_status(make_panel, block, kind: type[BaseException]) -> str:
    panel, handle = make_panel()
    with pytest.raises(kind), panel:
        block()
    assert panel.settled and handle.updates, "the panel did not settle"
    return str(handle.updates[-1].label)


def test_an_error_settles_the_panel_with_its_line(make_panel):
    def fail() -> None:
        raise ClaudeMagicError("the API said no; try later")

    # The header says "failed" once; the cell's error line (the exception, raised on) says why.
    assert settled_status(make_panel, fail, ClaudeMagicError).endswith("· failed")


def test_an_interrupt_settles_the_panel_as_interrupted(make_panel):
    def interrupt() -> None:
        raise KeyboardInterrupt

    assert settled_status(make_panel, interrupt, KeyboardInterrupt).endswith("interrupted")


def test_a_failure_keeps_its_partial_text(make_panel):
    def fail() -> None:
        raise StreamFailed("connection lost mid-reply", partial=a_reply("half a sen"))

    panel, handle = make_panel()
    with pytest.raises(StreamFailed), panel:
        fail()
    assert panel.settled and handle.updates[-1].label.endswith("· failed")


def test_a_finished_panel_stays_finished(make_panel):
    panel, handle = make_panel()
    with panel:
        panel.finish(a_reply("done"))
    assert len(handle.updates) == 1 and handle.updates[0].label.endswith("done")


def test_leaving_without_a_reply_still_settles(make_panel):
    panel, handle = make_panel()
    with panel:
        pass
    assert panel.settled and handle.updates[-1].label.endswith("· failed")


def test_the_plain_view_settles_on_exit_too():
    view = MarkdownView(live=False, rich=False)
    view.text = "so far"
    with capture_output() as shown, pytest.raises(KeyboardInterrupt), view:
        raise KeyboardInterrupt
    assert view.settled and "incomplete: interrupted" in shown.stdout
