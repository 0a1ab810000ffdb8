"""The simulator rejects what the API rejects (images, PDFs, citations), and Session checks first.

Each case is sent twice with the same blocks: straight through the SDK, where the simulator
answers 400, and through `Session.ask`, which raises AttachmentError before any request.
"""

from __future__ import annotations

import base64

import anthropic
import pytest

from claude_magic import Session
from claude_magic.core.errors import AttachmentError
from tests.media import pdf, png

from .helpers import MODEL


def image(data: bytes) -> dict:
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(data).decode()},
    }


def pdf_doc(data: bytes, cite: bool | None = None) -> dict:
    source = {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(data).decode()}
    block = {"type": "document", "source": source, "title": "r"}
    return block if cite is None else {**block, "citations": {"enabled": cite}}


def text_doc(cite: bool) -> dict:
    source = {"type": "text", "media_type": "text/plain", "data": "The grass is green. The sky is blue."}
    return {"type": "document", "source": source, "title": "notes", "citations": {"enabled": cite}}


def text_of(message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


SMALL = png(4, 4)
CASES = {
    "image bytes": ([image(SMALL + b"\0" * (10 * 1024 * 1024))], MODEL, "10 MB"),
    "image pixels": ([image(png(8001, 2))], MODEL, "8000"),
    "2000 px above 20 images": ([image(png(2001, 2)), *[image(SMALL)] * 20], MODEL, "2000"),
    "image count": ([image(SMALL)] * 101, "claude-haiku-4-5", "100"),
    "pdf pages": ([pdf_doc(pdf(101))], "claude-haiku-4-5", "100"),
    "citations all or none": ([text_doc(True), pdf_doc(pdf(1), cite=False)], MODEL, "all"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_simulator_rejects_with_400(client, case):
    blocks, model, words = CASES[case]
    messages = [{"role": "user", "content": [*blocks, {"type": "text", "text": "hi"}]}]
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model=model, max_tokens=64, messages=messages)
    assert caught.value.status_code == 400 and words in caught.value.message


@pytest.mark.parametrize("case", list(CASES))
def test_session_checks_first_and_sends_nothing(client, sim, case):
    blocks, model, words = CASES[case]
    session = Session(client=client)
    with pytest.raises(AttachmentError) as caught:
        session.ask("hi", content=blocks, model=model)
    assert words in caught.value.message and "\n" not in caught.value.message
    assert sim.requests == []
    assert session.transcript.chat().exchanges == []


def test_corrupt_pdf_rejected_by_the_simulator(client):
    messages = [{"role": "user", "content": [pdf_doc(b"not a pdf at all"), {"type": "text", "text": "hi"}]}]
    with pytest.raises(anthropic.BadRequestError, match="PDF"):
        client.messages.create(model=MODEL, max_tokens=64, messages=messages)


def test_within_limits_is_accepted(client):
    blocks = [image(png(2000, 2)), *[image(SMALL)] * 20, pdf_doc(pdf(3))]
    messages = [{"role": "user", "content": [*blocks, {"type": "text", "text": "hi"}]}]
    message = client.messages.create(model=MODEL, max_tokens=1024, messages=messages)
    assert "21 images, 1 document" in text_of(message)


def test_default_reply_cites_a_text_document(client):
    messages = [{"role": "user", "content": [text_doc(True), {"type": "text", "text": "Colour of grass?"}]}]
    with client.messages.stream(model=MODEL, max_tokens=1024, messages=messages) as stream:
        cited = [event.citation.model_dump() for event in stream if event.type == "citation"]
        final = stream.get_final_message()
    expected = {
        "type": "char_location",
        "cited_text": "The grass is green. ",
        "document_index": 0,
        "document_title": "notes",
        "start_char_index": 0,
        "end_char_index": 20,
        "file_id": None,
    }
    assert cited == [expected]
    assert "Simulated reply" in text_of(final)
    assert final.content[-1].citations[0].model_dump() == expected


def test_default_reply_cites_a_pdf_by_page(client):
    messages = [{"role": "user", "content": [pdf_doc(pdf(2), cite=True), {"type": "text", "text": "Summary?"}]}]
    message = client.messages.create(model=MODEL, max_tokens=1024, messages=messages)
    citation = message.content[-1].citations[0].model_dump()
    assert (citation["type"], citation["start_page_number"], citation["end_page_number"]) == ("page_location", 1, 2)
    assert citation["document_title"] == "r"


def test_no_citations_without_cite(client):
    messages = [{"role": "user", "content": [text_doc(False), {"type": "text", "text": "hi"}]}]
    message = client.messages.create(model=MODEL, max_tokens=1024, messages=messages)
    assert all(block.citations is None for block in message.content if block.type == "text")


def test_citations_come_from_the_current_request_only(client):
    first = [{"role": "user", "content": [text_doc(True), {"type": "text", "text": "Colour of grass?"}]}]
    reply = client.messages.create(model=MODEL, max_tokens=1024, messages=first)
    later = [*first, reply.to_param(), {"role": "user", "content": "Thanks, and unrelated: hello?"}]
    message = client.messages.create(model=MODEL, max_tokens=1024, messages=later)
    assert all(block.citations is None for block in message.content if block.type == "text")


def test_document_index_counts_the_earlier_turns_documents(client):
    first = [{"role": "user", "content": [text_doc(True), {"type": "text", "text": "Colour of grass?"}]}]
    reply = client.messages.create(model=MODEL, max_tokens=1024, messages=first)
    later = [
        *first,
        reply.to_param(),
        {"role": "user", "content": [text_doc(True), {"type": "text", "text": "Again?"}]},
    ]
    message = client.messages.create(model=MODEL, max_tokens=1024, messages=later)
    assert message.content[-1].citations[0].document_index == 1
