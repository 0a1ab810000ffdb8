"""Prompt caching through Session.ask against the simulator: reads, diagnostics, warnings, prices."""

from __future__ import annotations

from claude_magic.core.settings import Settings

SYSTEM = "You are a careful analyst. " * 200  # 5,400 chars: above Sonnet 5.5's 512-token minimum


def test_second_cell_reads_everything_the_first_sent(session, sim):
    session.configure(system=SYSTEM)
    session.ask("first question")
    first_total = session.usage.records[0].usage.total_input_tokens
    session.ask("second question")
    second = session.usage.records[1].usage
    assert second.cache_read_input_tokens == first_total
    body = sim.requests[-1].body
    assert body["diagnostics"] == {"previous_message_id": session.usage.records[0].message_id}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "5m"}


def test_cache_miss_reason_is_recorded_and_edits_warn_once(session, capsys):
    session.configure(system=SYSTEM)
    session.ask("one")
    session.ask("two", effort="low")
    session.ask("three", effort="high")
    records = session.usage.records
    assert [r.cache_miss_reason for r in records] == [None, "messages_changed", "messages_changed"]
    printed = capsys.readouterr()
    assert printed.out.count("effort changed mid-chat") == 1, "advice on stdout, not an error bar on stderr"
    assert "effort changed" not in printed.err
    assert session.usage.to_dataframe()["cache_miss_reason"].tolist()[1] == "messages_changed"


def test_cache_off_sends_no_breakpoints(session, sim):
    session.configure(system=SYSTEM, cache="off")
    session.ask("q")
    assert "cache_control" not in str(sim.requests[-1].body)
    assert session.usage.records[0].usage.cache_creation_input_tokens == 0


def test_price_overrides_reach_the_ledger(session):
    session.prices = {"claude-sonnet-5-5": {"input": 1000.0, "output": 0.0, "write_5m": 0.0}}
    session.ask("q", system=None)
    record = session.usage.records[0]
    assert record.cost_usd == record.usage.input_tokens * 1000.0 / 1e6


def test_usage_frame_columns_and_dtypes(session):
    session.ask("q")
    frame = session.usage.to_dataframe()
    assert list(frame.columns[:6]) == ["call", "chat", "model", "started_at", "ttft_s", "duration_s"]
    assert str(frame["cache_write_1h_tokens"].dtype) == "Int64"
    assert str(frame["hit_rate"].dtype) == "Float64"
    assert str(frame["cache_miss_reason"].dtype) == "string"


def test_settings_reject_an_unknown_cache_policy():
    import pytest

    from claude_magic.core.errors import SettingsError

    with pytest.raises(SettingsError, match="--cache"):
        Settings().with_changes(cache="forever")
