"""Large attachments and bodies travel through the Object Store by reference."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator

import pytest

from tests.ingestion.conftest import API_KEY, Ingest, start_ingest

pytestmark = pytest.mark.integration


@pytest.fixture
def ingest_small_inline(shared_nats_url: str) -> Iterator[Ingest]:
    yield from start_ingest(shared_nats_url, inline_max_bytes=64 * 1024)


def test_a_large_attachment_goes_to_the_object_store(ingest: Ingest) -> None:
    big = os.urandom(3 * 1024 * 1024)  # bigger than a JetStream message may be
    small = b"%PDF-1.4 small"
    answer = ingest.client.post(
        "/v1/ingest/sendgrid",
        data={"subject": "PDN with datasheet", "attachments": "2"},
        files={
            "attachment1": ("datasheet.pdf", big, "application/pdf"),
            "attachment2": ("note.pdf", small, "application/pdf"),
        },
    )
    assert answer.status_code == 202, answer.text
    [event] = ingest.events()
    large, inline = event.attachments
    assert large.content == b""
    assert large.size == len(big)
    assert large.object_ref == f"{event.event_id}/attachment-0"
    assert ingest.blob(large.object_ref) == big
    assert inline.content == small
    assert inline.object_ref == ""


def test_a_large_raw_mime_body_goes_by_reference(ingest_small_inline: Ingest) -> None:
    mime = b"Subject: big\r\n\r\n" + base64.b64encode(os.urandom(200_000))
    answer = ingest_small_inline.client.post(
        "/v1/ingest/sendgrid", data={"to": "pdn@radar.example.com"}, files={"email": (None, mime)}
    )
    assert answer.status_code == 202, answer.text
    [event] = ingest_small_inline.events()
    assert event.raw_body == b""
    assert ingest_small_inline.blob(event.body_object_ref) == mime


def test_a_large_json_payload_goes_by_reference(ingest_small_inline: Ingest) -> None:
    raw_data = {"parts": [f"PART-{n:06d}" for n in range(20_000)]}
    answer = ingest_small_inline.client.post(
        "/v1/events/ingest",
        json={"source": "nexar", "raw_data": raw_data},
        headers={"X-API-Key": API_KEY},
    )
    assert answer.status_code == 202, answer.text
    [event] = ingest_small_inline.events()
    assert event.payload_json == ""
    ref = event.metadata["payload_object_ref"]
    assert json.loads(ingest_small_inline.blob(ref)) == raw_data
