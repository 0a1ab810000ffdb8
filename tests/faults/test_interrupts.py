"""An interrupt at every phase of a call: waiting out a retry, thinking, writing. Nothing half-done is kept."""

from __future__ import annotations

import pytest

from claude_magic import CallInterrupted, Session
from claude_magic.simulator import ScriptedError, ScriptedReply
from tests.interrupts import interrupt_once_streaming

PHASES = {
    # The SDK sleeps out the retry-after before its second attempt: the cell is still "waiting".
    "waiting": (ScriptedError(status=529, retry_after_ms=5_000),),
    "thinking": (ScriptedReply(thinking="mulling it over " * 300, text="Done.", delay_s=0.02),),
    "writing": (ScriptedReply(text="slow words " * 400, delay_s=0.02),),
}


@pytest.mark.parametrize("phase", sorted(PHASES))
def test_an_interrupt_keeps_no_half_turn_and_the_next_ask_works(phase, make_client, sim):
    session = Session(client=make_client(max_retries=1))
    session.ask("An earlier question.")
    for script in PHASES[phase]:
        sim.queue(script)
    thread = interrupt_once_streaming(sim, after_s=0.4)
    with pytest.raises(CallInterrupted) as caught:
        session.ask("Take your time.")
    thread.join()
    partial = caught.value.partial
    assert not partial.complete and partial.error == "interrupted"
    if phase == "thinking":
        assert partial.thinking.startswith("mulling it over") and partial.text == ""
    if phase == "writing":
        assert partial.text.startswith("slow words")
    assert [e.prompt for e in session.transcript.chat().exchanges] == ["An earlier question."]
    assert [row["error"] for row in session.usage.rows()] == [None, "interrupted"]
    assert session.ask("And now?").complete
    assert len(sim.requests[-1].body["messages"]) == 3  # the interrupted turn was not kept
