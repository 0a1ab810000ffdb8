"""count_tokens and the Models API."""

from __future__ import annotations

import base64
import math

import anthropic
import pytest

from claude_magic.core.models import REGISTRY
from claude_magic.simulator.usage import IMAGE_TOKENS, PDF_PAGE_TOKENS

from .helpers import HELLO, MODEL, raw_request

PNG = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}


def pdf_block(pages: int) -> dict:
    body = b"%PDF-1.4\n" + b"".join(b"<< /Type /Page >>\n" for _ in range(pages)) + b"<< /Type /Pages >>\n"
    source = {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(body).decode()}
    return {"type": "document", "source": source}


def test_count_tokens_for_text(client):
    count = client.messages.count_tokens(model=MODEL, messages=HELLO, system="Be brief.")
    assert count.input_tokens == math.ceil(len("Be brief." + "user" + "Hello, simulator!") / 4)


def test_count_tokens_charges_flat_rates_for_images_and_pdf_pages(client):
    text_only = client.messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": [{"type": "text", "text": "What is this?"}]}]
    ).input_tokens
    with_media = client.messages.count_tokens(
        model=MODEL,
        messages=[{"role": "user", "content": [PNG, pdf_block(3), {"type": "text", "text": "What is this?"}]}],
    ).input_tokens
    assert with_media - text_only == IMAGE_TOKENS + 3 * PDF_PAGE_TOKENS


def test_messages_usage_matches_count_tokens(client):
    messages = [{"role": "user", "content": [PNG, {"type": "text", "text": "Describe it"}]}]
    counted = client.messages.count_tokens(model=MODEL, messages=messages).input_tokens
    message = client.messages.create(model=MODEL, max_tokens=1024, messages=messages)
    assert message.usage.input_tokens == counted > IMAGE_TOKENS
    assert "1 image, 0 documents" in message.content[-1].text


def test_count_tokens_rejects_a_non_claude_model(client):
    with pytest.raises(anthropic.NotFoundError):
        client.messages.count_tokens(model="gpt-4o", messages=HELLO)


def test_models_list_returns_every_registry_entry(client):
    models = list(client.models.list())
    assert [m.id for m in models] == [info.id for info in REGISTRY]
    by_id = {m.id: m for m in models}
    sonnet = by_id["claude-sonnet-5-5"]
    assert sonnet.type == "model" and sonnet.display_name == "Claude Sonnet 5.5"
    assert sonnet.max_input_tokens == 1_000_000 and sonnet.max_tokens == 128_000
    assert sonnet.capabilities.thinking.types.enabled.supported is False
    assert sonnet.capabilities.thinking.types.between_tools.supported is True
    assert sonnet.created_at.year == 1970 and sonnet.line == "sonnet"
    assert by_id["claude-sonnet-4-5"].lifecycle == "deprecated"
    assert by_id["claude-haiku-4-5"].max_tokens == 64_000


def test_models_list_paginates(client, sim):
    page = client.models.list(limit=5)
    assert len(page.data) == 5 and page.has_more is True
    assert [m.id for m in page.data] == [info.id for info in REGISTRY[:5]]
    assert page.last_id == REGISTRY[4].id
    assert len(list(client.models.list(limit=5))) == len(REGISTRY)


def test_models_retrieve(client):
    model = client.models.retrieve("claude-opus-4-6")
    assert model.id == "claude-opus-4-6" and model.display_name == "Claude Opus 4.6"
    with pytest.raises(anthropic.NotFoundError):
        client.models.retrieve("claude-nothing-1")


def test_models_need_auth(sim):
    response = raw_request(sim, "GET", "/v1/models")
    assert response.status == 401
    ok = raw_request(sim, "GET", "/v1/models", headers={"x-api-key": "k"})
    assert ok.status == 200 and ok.json()["has_more"] is False and ok.json()["first_id"] == REGISTRY[0].id
