"""The simulated prompt cache against each published rule, through the real SDK."""

from __future__ import annotations

import anthropic
import pytest

MODEL = "claude-sonnet-5-5"  # minimum cacheable prefix: 512 tokens
BIG = "a" * 4000  # a text block of 4000 + len("text") = 4004 chars -> 1001 tokens
HI = [{"role": "user", "content": "Hi"}]  # 6 chars ("user" + "Hi")


def cached(text: str = BIG, ttl: str | None = None) -> dict:
    control = {"type": "ephemeral"} if ttl is None else {"type": "ephemeral", "ttl": ttl}
    return {"type": "text", "text": text, "cache_control": control}


def ask(client, **kwargs):
    kwargs.setdefault("model", MODEL)
    kwargs.setdefault("max_tokens", 16)
    kwargs.setdefault("messages", HI)
    return client.messages.create(**kwargs)


def test_first_request_writes_second_reads(client):
    first = ask(client, system=[cached()])
    assert (first.usage.cache_creation_input_tokens, first.usage.cache_read_input_tokens) == (1001, 0)
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == 1001
    assert first.usage.input_tokens == 2  # ceil(4010 / 4) = 1003 in total
    second = ask(client, system=[cached()])
    assert (second.usage.cache_creation_input_tokens, second.usage.cache_read_input_tokens) == (0, 1001)
    assert second.usage.input_tokens == 2


def test_prefix_below_the_model_minimum_is_not_cached(client):
    small = "b" * 1000  # 251 tokens < 512
    for _ in range(2):
        usage = ask(client, system=[cached(small)]).usage
        assert (usage.cache_creation_input_tokens, usage.cache_read_input_tokens) == (0, 0)


def test_minimum_is_per_model(client):
    medium = "c" * 3000  # 751 tokens: above Sonnet 5.5's 512, below Haiku 4.5's 4096
    assert ask(client, system=[cached(medium)]).usage.cache_creation_input_tokens == 751
    assert ask(client, model="claude-haiku-4-5", system=[cached(medium)]).usage.cache_creation_input_tokens == 0


def test_prefix_order_tools_then_system(client):
    tool = {"name": "lookup", "description": "d" * 3000, "input_schema": {"type": "object"}}
    ask(client, tools=[tool], system=[cached()])
    changed_tool = {**tool, "description": "e" * 3000}
    assert ask(client, tools=[changed_tool], system=[cached()]).usage.cache_read_input_tokens == 0
    assert ask(client, tools=[tool], system=[cached()]).usage.cache_read_input_tokens > 1001


def test_five_minute_ttl_refreshes_on_hit_and_expires(sim, client):
    now = [0.0]
    sim.cache.clock = lambda: now[0]
    ask(client, system=[cached()])
    now[0] = 299.0
    assert ask(client, system=[cached()]).usage.cache_read_input_tokens == 1001  # refreshed to 599
    now[0] = 598.0
    assert ask(client, system=[cached()]).usage.cache_read_input_tokens == 1001  # refreshed to 898
    now[0] = 898.5
    assert ask(client, system=[cached()]).usage.cache_read_input_tokens == 0


def test_one_hour_ttl_outlives_five_minutes(sim, client):
    now = [0.0]
    sim.cache.clock = lambda: now[0]
    first = ask(client, system=[cached(ttl="1h")])
    assert first.usage.cache_creation.ephemeral_1h_input_tokens == 1001
    now[0] = 3000.0
    assert ask(client, system=[cached(ttl="1h")]).usage.cache_read_input_tokens == 1001


def test_mixed_ttls_bill_1h_then_5m(client):
    messages = [{"role": "user", "content": [cached("m" * 3996, ttl="5m")]}]  # 4 + 4 + 3996 = 4004 chars
    usage = ask(client, system=[cached(ttl="1h")], messages=messages).usage
    assert usage.cache_creation.ephemeral_1h_input_tokens == 1001
    assert usage.cache_creation.ephemeral_5m_input_tokens == 1001
    assert usage.cache_creation_input_tokens == 2002


def test_one_hour_after_five_minutes_is_a_400(client):
    messages = [{"role": "user", "content": [cached("m" * 3000, ttl="1h")]}]
    with pytest.raises(anthropic.BadRequestError, match="1h"):
        ask(client, system=[cached(ttl="5m")], messages=messages)


def test_more_than_four_breakpoints_is_a_400(client):
    with pytest.raises(anthropic.BadRequestError, match="maximum of 4"):
        ask(client, system=[cached(f"{i}" * 100) for i in range(5)])


def test_four_explicit_plus_automatic_is_a_400(client):
    system = [cached(f"{i}" * 100) for i in range(4)]
    with pytest.raises(anthropic.BadRequestError, match="maximum of 4"):
        ask(client, system=system, extra_body={"cache_control": {"type": "ephemeral"}})


def test_top_level_automatic_caching_moves_forward(client):
    auto = {"cache_control": {"type": "ephemeral"}}
    turn1 = [{"role": "user", "content": BIG}]  # 4 + 4000 chars = 1001 tokens
    assert ask(client, messages=turn1, extra_body=auto).usage.cache_creation_input_tokens == 1001
    turn2 = [*turn1, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "more"}]
    usage = ask(client, messages=turn2, extra_body=auto).usage
    assert usage.cache_read_input_tokens == 1001
    assert usage.cache_creation_input_tokens == 5  # ceil((4004 + 9 + 2 + 4 + 4) / 4) - 1001
    assert usage.input_tokens == 0


def _lookback_request(client, small_blocks: int):
    blocks = [{"type": "text", "text": BIG}] + [{"type": "text", "text": f"s{i}"} for i in range(small_blocks)]
    blocks[-1] = {**blocks[-1], "cache_control": {"type": "ephemeral"}}
    return ask(client, messages=[{"role": "user", "content": blocks}])


def test_lookback_finds_an_entry_19_positions_back(client):
    ask(client, messages=[{"role": "user", "content": [cached()]}])
    assert _lookback_request(client, 19).usage.cache_read_input_tokens == 1002  # + "user"


def test_lookback_misses_an_entry_20_positions_back(client):
    ask(client, messages=[{"role": "user", "content": [cached()]}])
    assert _lookback_request(client, 20).usage.cache_read_input_tokens == 0


def test_a_run_of_tool_results_is_one_lookback_position(client):
    ask(client, messages=[{"role": "user", "content": [cached()]}])
    uses = [{"type": "tool_use", "id": f"toolu_{i}", "name": "probe", "input": {}} for i in range(30)]
    results = [{"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": "x"} for i in range(30)]
    results[-1] = {**results[-1], "cache_control": {"type": "ephemeral"}}
    messages = [
        {"role": "user", "content": [{"type": "text", "text": BIG}]},
        {"role": "assistant", "content": uses},
        {"role": "user", "content": results},
    ]
    assert ask(client, messages=messages).usage.cache_read_input_tokens == 1002  # 61 blocks, 3 positions


def test_images_keep_the_system_cache_but_change_later_message_prefixes(client):
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    question = {"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}
    ask(client, system=[cached()], messages=[{"role": "user", "content": [question]}])
    with_image = [{"role": "user", "content": [image, question]}]
    usage = ask(client, system=[cached()], messages=with_image).usage
    assert usage.cache_read_input_tokens == 1001  # the system prefix only
    # written up to the text block: ceil((4004 + 4 + 4 + 2) / 4) + 1600 = 2604, less the 1001 read
    assert usage.cache_creation_input_tokens == 1603
    speed = ask(client, system=[cached()], messages=with_image, extra_body={"speed": "fast"}).usage
    assert speed.cache_read_input_tokens == 0


def test_diagnostics_explain_misses(client):
    first = ask(client, system=[cached()])
    previous = {"previous_message_id": first.id}
    extended = [*HI, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "more"}]
    assert ask(client, system=[cached()], messages=extended, diagnostics=previous).diagnostics is None
    changed = ask(client, system=[cached("z" * 4000)], diagnostics=previous).diagnostics.cache_miss_reason
    assert (changed.type, changed.cache_missed_input_tokens) == ("system_changed", 1003)
    model = ask(client, model="claude-opus-5-5", system=[cached()], diagnostics=previous).diagnostics
    assert model.cache_miss_reason.type == "model_changed"
    edited = [{"role": "user", "content": "Ho"}]
    messages = ask(client, system=[cached()], messages=edited, diagnostics=previous).diagnostics
    assert (messages.cache_miss_reason.type, messages.cache_miss_reason.cache_missed_input_tokens) == (
        "messages_changed",
        2,
    )
    lost = ask(client, system=[cached()], diagnostics={"previous_message_id": "msg_nope"}).diagnostics
    assert lost.cache_miss_reason.type == "previous_message_not_found"


def test_streamed_usage_carries_the_cache_fields(client):
    ask(client, system=[cached()])
    with client.messages.stream(model=MODEL, max_tokens=16, system=[cached()], messages=HI) as stream:
        final = stream.get_final_message()
    assert final.usage.cache_read_input_tokens == 1001
