"""Pacing: `tokens_per_second` makes replies stream at a model's pace (a loose lower bound, not a benchmark)."""

from __future__ import annotations

import time

import anthropic
import pytest

from claude_magic.simulator import ScriptedReply, Simulator

from .helpers import HELLO, MODEL

TEXT = "x" * 400  # 100 tokens


def timed_stream(sim: Simulator) -> float:
    sim.queue(ScriptedReply(text=TEXT))
    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=0)
    began = time.monotonic()
    with client.messages.stream(model=MODEL, max_tokens=1024, messages=HELLO) as stream:
        assert stream.get_final_text() == TEXT
    return time.monotonic() - began


def test_paced_reply_takes_about_tokens_over_rate():
    with Simulator(tokens_per_second=250) as sim:
        assert timed_stream(sim) >= 0.35  # 100 tokens at 250 tokens/s is 0.4 s


def test_environment_variable_sets_the_pace(monkeypatch):
    monkeypatch.setenv("CLAUDE_MAGIC_SIM_TPS", "400")
    with Simulator() as sim:
        assert sim.tokens_per_second == 400
        assert timed_stream(sim) >= 0.2


def test_explicit_argument_beats_the_environment(monkeypatch):
    monkeypatch.setenv("CLAUDE_MAGIC_SIM_TPS", "1")
    assert Simulator(tokens_per_second=100).tokens_per_second == 100


def test_unset_or_zero_means_full_speed(monkeypatch):
    monkeypatch.delenv("CLAUDE_MAGIC_SIM_TPS", raising=False)
    assert Simulator().tokens_per_second is None
    assert Simulator(tokens_per_second=0).tokens_per_second is None


def test_a_bad_environment_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CLAUDE_MAGIC_SIM_TPS", "fast")
    with pytest.raises(ValueError, match="CLAUDE_MAGIC_SIM_TPS must be a number"):
        Simulator()
