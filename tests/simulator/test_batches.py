"""The Message Batches endpoints, through the real SDK: create, retrieve, list, cancel, delete, results."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import anthropic
import pytest

from claude_magic.simulator import ScriptedError, ScriptedReply, Simulator

from .helpers import HELLO, MODEL, raw_request

PARAMS: dict[str, Any] = {"model": MODEL, "max_tokens": 256, "messages": HELLO}
AUTH = {"authorization": "Bearer sk-test"}


def requests_for(*custom_ids: str, **overrides: Any) -> list[dict[str, Any]]:
    return [{"custom_id": c, "params": {**PARAMS, **overrides}} for c in custom_ids]


def wait_until_ended(client: anthropic.Anthropic, batch_id: str) -> list[Any]:
    """Every batch seen while polling, the ended one last."""
    seen = [client.messages.batches.retrieve(batch_id)]
    while seen[-1].processing_status != "ended":
        time.sleep(0.02)
        seen.append(client.messages.batches.retrieve(batch_id))
    return seen


def results_of(client: anthropic.Anthropic, batch_id: str) -> dict[str, Any]:
    return {r.custom_id: r.result for r in client.messages.batches.results(batch_id)}


def test_a_new_batch_is_in_progress_with_every_request_processing(sim: Simulator, client):
    sim.script_batch(delay_s=5)
    batch = client.messages.batches.create(requests=requests_for("a", "b", "c"))
    assert batch.type == "message_batch" and batch.id.startswith("msgbatch_")
    assert batch.processing_status == "in_progress" and batch.results_url is None and batch.ended_at is None
    assert batch.request_counts.processing == 3 and batch.request_counts.succeeded == 0


def test_a_batch_expires_24_hours_after_it_was_created(client):
    batch = client.messages.batches.create(requests=requests_for("a"))
    assert batch.expires_at - batch.created_at == timedelta(hours=24)


def test_counts_stay_processing_until_the_whole_batch_ends_then_add_up(sim: Simulator, client):
    """As the SDK documents MessageBatchRequestCounts: succeeded, errored, ... are zero until the batch ended."""
    sim.script_batch(delay_s=0.4)
    batch = client.messages.batches.create(requests=requests_for(*"abcdefgh"))
    seen = wait_until_ended(client, batch.id)
    assert len(seen) >= 2
    assert all(sum(b.request_counts.model_dump().values()) == 8 for b in seen)
    running = [b for b in seen if b.processing_status == "in_progress"]
    assert running and all(b.request_counts.processing == 8 for b in running)
    assert seen[-1].ended_at is not None and seen[-1].request_counts.succeeded == 8


def test_the_simulator_wide_delay_applies_without_a_script(sim: Simulator, client):
    sim.batch_delay_s = 5
    try:
        batch = client.messages.batches.create(requests=requests_for("a"))
    finally:
        sim.batch_delay_s = 0
    assert batch.processing_status == "in_progress"


def test_results_url_is_absolute_on_the_simulator(sim: Simulator, client):
    batch = client.messages.batches.create(requests=requests_for("a"))
    assert batch.results_url == f"{sim.url}/v1/messages/batches/{batch.id}/results"


def test_results_are_jsonl_served_as_application_binary(client, sim: Simulator):
    batch = client.messages.batches.create(requests=requests_for("a", "b"))
    raw = raw_request(sim, "GET", f"/v1/messages/batches/{batch.id}/results", headers=AUTH)
    assert raw.status == 200 and raw.headers["content-type"] == "application/binary"
    assert [json.loads(line)["custom_id"] for line in raw.body.decode().splitlines()] == ["a", "b"]


def test_a_succeeded_message_is_what_the_messages_endpoint_answers(client):
    params = {**PARAMS, "system": "Be brief.", "messages": [{"role": "user", "content": "Name a colour."}]}
    batch = client.messages.batches.create(requests=[{"custom_id": "only", "params": params}])
    result = results_of(client, batch.id)["only"]
    direct = client.messages.create(**params)
    assert result.type == "succeeded"
    assert [b.model_dump() for b in result.message.content] == [b.model_dump() for b in direct.content]
    assert result.message.usage.input_tokens == direct.usage.input_tokens
    assert result.message.usage.output_tokens == direct.usage.output_tokens
    assert result.message.usage.service_tier == "batch"


def test_invalid_params_end_that_request_errored_not_the_batch(client):
    batch = client.messages.batches.create(requests=[*requests_for("good"), *requests_for("bad", max_tokens=-1)])
    results = results_of(client, batch.id)
    assert results["good"].type == "succeeded"
    assert results["bad"].type == "errored"
    assert results["bad"].error.error.type == "invalid_request_error"
    assert "max_tokens" in results["bad"].error.error.message
    assert client.messages.batches.retrieve(batch.id).request_counts.errored == 1


def test_an_unknown_model_ends_errored_with_not_found(client):
    batch = client.messages.batches.create(requests=requests_for("x", model="gpt-4o"))
    assert results_of(client, batch.id)["x"].error.error.type == "not_found_error"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [({"stream": True}, "stream"), ({"max_tokens": 0}, "max_tokens"), ({"speed": "fast"}, "speed")],
)
def test_a_batch_refuses_streaming_prewarming_and_fast_mode(client, overrides, words):
    with pytest.raises(anthropic.BadRequestError, match=words):
        client.messages.batches.create(requests=requests_for("a", **overrides))


def test_an_empty_batch_is_refused(client):
    with pytest.raises(anthropic.BadRequestError, match="at least 1 item"):
        client.messages.batches.create(requests=[])


def test_more_than_100000_requests_are_refused(client):
    tiny = {"model": MODEL, "max_tokens": 1, "messages": HELLO}
    with pytest.raises(anthropic.BadRequestError, match="at most 100000 items"):
        client.messages.batches.create(requests=[{"custom_id": f"r{i}", "params": tiny} for i in range(100_001)])


def test_custom_ids_must_be_unique(client):
    with pytest.raises(anthropic.BadRequestError, match="unique"):
        client.messages.batches.create(requests=requests_for("a", "b", "a"))


@pytest.mark.parametrize("custom_id", ["", "has space", "x" * 65, "semi;colon"])
def test_custom_ids_must_match_the_pattern(client, custom_id):
    with pytest.raises(anthropic.BadRequestError, match="custom_id"):
        client.messages.batches.create(requests=requests_for(custom_id))


def test_custom_ids_of_64_word_characters_are_accepted(client):
    batch = client.messages.batches.create(requests=requests_for("A-z_9" + "x" * 59))
    assert batch.request_counts.succeeded == 1


def test_retrieving_an_unknown_batch_is_404(client):
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.retrieve("msgbatch_nope")


def test_list_is_newest_first_and_pages_by_cursor(client):
    ids = [client.messages.batches.create(requests=requests_for("a")).id for _ in range(5)]
    page = client.messages.batches.list(limit=2)
    assert [b.id for b in page.data] == ids[::-1][:2]
    assert page.has_more is True and page.first_id == ids[4] and page.last_id == ids[3]
    assert [b.id for b in client.messages.batches.list(limit=2)] == ids[::-1]  # auto-pagination
    before = client.messages.batches.list(limit=2, before_id=ids[1])
    assert [b.id for b in before.data] == [ids[3], ids[2]]


def test_list_refuses_a_limit_out_of_range(client):
    with pytest.raises(anthropic.BadRequestError, match="limit"):
        client.messages.batches.list(limit=0)


def test_cancel_moves_unfinished_requests_to_canceled(sim: Simulator, client):
    sim.script_batch(delay_s=2)
    batch = client.messages.batches.create(requests=requests_for(*"abcd"))
    canceling = client.messages.batches.cancel(batch.id)
    assert canceling.processing_status == "canceling" and canceling.cancel_initiated_at is not None
    ended = wait_until_ended(client, batch.id)[-1]
    assert ended.request_counts.canceled == 4 and ended.request_counts.processing == 0
    assert {r.type for r in results_of(client, batch.id).values()} == {"canceled"}


def test_requests_finished_before_a_cancel_keep_their_results(sim: Simulator, client):
    sim.script_batch(delay_s=0.4)
    batch = client.messages.batches.create(requests=requests_for("a", "b"))
    time.sleep(0.25)  # "a" finished at 0.2 s, "b" finishes at 0.4 s
    client.messages.batches.cancel(batch.id)
    wait_until_ended(client, batch.id)
    results = results_of(client, batch.id)
    assert (results["a"].type, results["b"].type) == ("succeeded", "canceled")


def test_deleting_a_batch_in_progress_is_refused(sim: Simulator, client):
    sim.script_batch(delay_s=5)
    batch = client.messages.batches.create(requests=requests_for("a"))
    with pytest.raises(anthropic.BadRequestError):
        client.messages.batches.delete(batch.id)


def test_deleting_an_ended_batch_removes_it(client):
    batch = client.messages.batches.create(requests=requests_for("a"))
    deleted = client.messages.batches.delete(batch.id)
    assert (deleted.id, deleted.type) == (batch.id, "message_batch_deleted")
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.retrieve(batch.id)


def test_results_before_the_batch_ended_are_refused(sim: Simulator, client):
    sim.script_batch(delay_s=5)
    batch = client.messages.batches.create(requests=requests_for("a"))
    raw = raw_request(sim, "GET", f"/v1/messages/batches/{batch.id}/results", headers=AUTH)
    assert raw.status == 400 and raw.json()["error"]["type"] == "invalid_request_error"


def test_scripted_outcomes_per_custom_id(sim: Simulator, client):
    sim.script_batch(
        {
            "scripted": ScriptedReply(text="Positive"),
            "failed": ScriptedError(529, "overloaded_error", "Overloaded"),
            "broken": "errored",
            "late": "expired",
        }
    )
    batch = client.messages.batches.create(requests=requests_for("scripted", "failed", "broken", "late", "plain"))
    results = results_of(client, batch.id)
    assert results["scripted"].message.content[0].text == "Positive"
    assert results["failed"].error.error.type == "overloaded_error"
    assert results["broken"].error.error.type == "api_error"
    assert results["late"].type == "expired"
    assert results["plain"].type == "succeeded"
    counts = client.messages.batches.retrieve(batch.id).request_counts
    assert (counts.succeeded, counts.errored, counts.expired) == (2, 2, 1)


def test_an_expiring_request_stays_processing_until_the_batch_ends(sim: Simulator, client):
    sim.script_batch({"late": "expired"}, delay_s=0.3)
    batch = client.messages.batches.create(requests=requests_for("late", "b"))
    seen = wait_until_ended(client, batch.id)
    assert all(b.request_counts.processing >= 1 for b in seen[:-1])
    assert seen[-1].request_counts.expired == 1


def test_a_batch_script_is_used_by_one_batch_only(sim: Simulator, client):
    sim.script_batch({"a": "expired"})
    client.messages.batches.create(requests=requests_for("a"))
    second = client.messages.batches.create(requests=requests_for("a"))
    assert second.request_counts.succeeded == 1
