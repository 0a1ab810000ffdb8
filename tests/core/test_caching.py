"""The breakpoint planner: one test per rule."""

from __future__ import annotations

from claude_magic.core.caching import (
    CachePlan,
    avoidable_breaks,
    cache_signature,
    plan_cache,
    prefix_positions,
)

BIG = "a" * 4000  # about 1000 tokens


def marks(request: dict) -> list[tuple[str, tuple, str]]:
    """(section, where, ttl) of every block carrying cache_control."""
    found = []
    for i, tool in enumerate(request.get("tools") or []):
        if "cache_control" in tool:
            found.append(("tools", (i,), tool["cache_control"]["ttl"]))
    system = request.get("system")
    for i, block in enumerate(system if isinstance(system, list) else []):
        if "cache_control" in block:
            found.append(("system", (i,), block["cache_control"].get("ttl", "5m")))
    for m, message in enumerate(request["messages"]):
        content = message["content"]
        for b, block in enumerate(content if isinstance(content, list) else []):
            if "cache_control" in block:
                found.append(("messages", (m, b), block["cache_control"].get("ttl", "5m")))
    return found


def user(*blocks: dict) -> dict:
    return {"role": "user", "content": list(blocks)}


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def test_last_block_of_the_request_is_a_breakpoint():
    request = {"model": "m", "messages": [user(text(BIG))]}
    planned, plan = plan_cache(request, min_tokens=512)
    assert marks(planned) == [("messages", (0, 0), "5m")]
    assert plan.final == 0


def test_no_write_below_the_minimum():
    request = {"model": "m", "messages": [user(text("short"))]}
    planned, plan = plan_cache(request, min_tokens=512)
    assert marks(planned) == [] and plan.final is None


def test_off_sends_the_request_unchanged():
    request = {"model": "m", "system": BIG, "messages": [user(text(BIG))]}
    planned, _ = plan_cache(request, min_tokens=512, policy="off")
    assert planned is request


def test_large_system_prompt_and_last_tool_get_breakpoints_and_system_becomes_blocks():
    tool = {"name": "t", "description": BIG, "input_schema": {"type": "object"}}
    request = {"model": "m", "tools": [tool], "system": BIG, "messages": [user(text("q"))]}
    planned, _ = plan_cache(request, min_tokens=512)
    assert marks(planned) == [("tools", (0,), "5m"), ("system", (0,), "5m"), ("messages", (0, 0), "5m")]
    assert planned["system"][0]["text"] == BIG
    assert request["system"] == BIG and "cache_control" not in tool  # inputs untouched


def test_previous_final_breakpoint_is_reused_when_the_prefix_is_unchanged():
    first = {"model": "m", "messages": [user(text(BIG))]}
    _, plan = plan_cache(first, min_tokens=512)
    history = [user(text(BIG)), {"role": "assistant", "content": [text("reply")]}]
    second = {"model": "m", "messages": [*history, user(text("next"))]}
    planned, _ = plan_cache(second, min_tokens=512, previous=plan)
    assert marks(planned) == [("messages", (0, 0), "5m"), ("messages", (2, 0), "5m")]


def test_previous_breakpoint_is_dropped_when_its_prefix_changed():
    _, plan = plan_cache({"model": "m", "messages": [user(text(BIG))]}, min_tokens=512)
    changed = {
        "model": "m",
        "messages": [user(text("b" * 4000)), {"role": "assistant", "content": "x"}, user(text("q"))],
    }
    planned, _ = plan_cache(changed, min_tokens=512, previous=plan)
    assert ("messages", (0, 0), "5m") not in marks(planned)


def test_a_turn_of_20_or_more_blocks_gets_an_earlier_breakpoint():
    history = [user(text(BIG)), {"role": "assistant", "content": [text("ok")]}]
    images = [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}] * 24
    request = {"model": "m", "messages": [*history, user(*images, text("describe"))]}
    planned, _ = plan_cache(request, min_tokens=512)
    assert marks(planned) == [("messages", (1, 0), "5m"), ("messages", (2, 24), "5m")]


def test_a_short_turn_needs_no_earlier_breakpoint():
    history = [user(text(BIG)), {"role": "assistant", "content": [text("ok")]}]
    request = {"model": "m", "messages": [*history, user(text("q"))]}
    planned, _ = plan_cache(request, min_tokens=512)
    assert marks(planned) == [("messages", (2, 0), "5m")]


def test_never_more_than_four_breakpoints_counting_existing_ones():
    tool = {"name": "t", "description": BIG, "input_schema": {"type": "object"}}
    already = {**text(BIG), "cache_control": {"type": "ephemeral"}}
    history = [user(already), {"role": "assistant", "content": [text("ok")]}]
    images = [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}] * 24
    request = {"model": "m", "tools": [tool], "system": BIG, "messages": [*history, user(*images, text("q"))]}
    planned, _ = plan_cache(request, min_tokens=512)
    assert len(marks(planned)) == 4  # 1 existing + 3 planned
    assert ("tools", (0,), "5m") not in marks(planned)  # the lowest priority is left out


def test_thinking_blocks_are_never_breakpoints():
    thinking = {"type": "thinking", "thinking": "", "signature": "s"}
    history = [user(text(BIG)), {"role": "assistant", "content": [text("ok"), thinking]}]
    images = [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}] * 20
    request = {"model": "m", "messages": [*history, user(*images)]}
    planned, _ = plan_cache(request, min_tokens=512)
    assert ("messages", (1, 0), "5m") in marks(planned)


def test_one_hour_policy_and_ttl_order():
    request = {"model": "m", "system": BIG, "messages": [user(text(BIG))]}
    planned, _ = plan_cache(request, min_tokens=512, policy="1h")
    assert [ttl for *_, ttl in marks(planned)] == ["1h", "1h"]


def test_tool_result_runs_share_a_lookback_position():
    results = [{"type": "tool_result", "tool_use_id": f"t{i}", "content": "x"} for i in range(5)]
    steps = [p.step for p in prefix_positions({"messages": [user(text("a"), *results, text("b"))]})]
    assert steps == [1, 2, 2, 2, 2, 2, 3]


def test_avoidable_invalidations_are_named():
    base = {"model": "m", "system": "s", "messages": [user(text("q"))]}
    before = cache_signature(base)
    later = {**base, "output_config": {"effort": "low"}, "thinking": {"type": "adaptive"}, "system": "t"}
    later["messages"] = [*base["messages"], {"role": "assistant", "content": "a"}, user(text("q2"))]
    reasons = avoidable_breaks(before, cache_signature(later))
    assert reasons == ["effort changed mid-chat", "thinking changed mid-chat", "the system prompt was edited"]
    unchanged = {**base, "messages": later["messages"]}
    assert avoidable_breaks(before, cache_signature(unchanged)) == []
    assert CachePlan().final is None
