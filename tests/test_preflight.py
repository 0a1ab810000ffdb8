"""Pricing each request before it is sent (`_edge/preflight.py`, via Session.send): a tool loop's every round is
checked; the real SDK against the strict simulator."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from claude_magic._tool_loop import ToolSet
from claude_magic.core.errors import BudgetExceeded
from tests.test_tool_loop import PRICE, Recipe, asks, price, run_loop, use


def paths(sim):
    return [urlsplit(r.path).path for r in sim.requests if r.method == "POST"]


def test_each_round_of_a_tool_loop_is_checked_and_a_refused_round_sends_nothing(session, sim):
    session.budget_usd = 0.06
    # Round 1 writes about 3,000 output tokens ($0.03); round 2's worst case (4,096 output tokens,
    # $0.041) on top of that crosses $0.06, so it is never sent.
    sim.queue(asks(use("get_price", sku="SKU-12"), text="word " * 2400))
    tool = Recipe("get_price", price, PRICE)
    with pytest.raises(BudgetExceeded) as refused:
        run_loop(session, ToolSet({"get_price": tool}))
    assert "over the $0.0600 budget" in refused.value.message
    assert paths(sim) == ["/v1/messages/count_tokens", "/v1/messages", "/v1/messages/count_tokens"]
    assert tool.calls == [{"sku": "SKU-12"}], "the tool ran; its result waits for the next turn"
    chat = session.transcript.chat("default")
    assert len(chat.exchanges) == 1 and len(chat.pending_results) == 1
    assert len(session.usage) == 1, "one request was made, one ledger row"
