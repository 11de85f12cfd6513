"""POST /v1/ingest/mailgun — route forwards, signatures, stale timestamps, replayed tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterator

import pytest

from tests.ingestion.conftest import API_KEY, MAILGUN_KEY, Ingest, start_ingest

pytestmark = pytest.mark.integration
PDF = b"%PDF-1.4\nmailgun attachment\n%%EOF\n"


def signed(age: float = 0, key: str = MAILGUN_KEY, token: str | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    token = token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature}


def forward(**signature: str) -> dict[str, str]:
    return {
        **signature,
        "recipient": "pdn@radar.example.com",
        "sender": "pcn@example-semi.com",
        "from": "Example Semi PCN <pcn@example-semi.com>",
        "subject": "PDN EX-2026-031",
        "body-plain": "Last Time Buy Date: 03-Sep-2026\nAffected: EXA100-QFN-TR\n",
        "body-html": "<p>Last Time Buy Date: 03-Sep-2026</p>",
        "stripped-text": "Last Time Buy Date: 03-Sep-2026",
        "message-headers": json.dumps([["Subject", "PDN EX-2026-031"]]),
    }


@pytest.fixture
def mailgun(ingest: Ingest) -> Ingest:
    ingest.client.headers.clear()  # the signature is the credential
    return ingest


def test_an_urlencoded_forward_is_accepted(mailgun: Ingest) -> None:
    fields = forward(**signed())
    answer = mailgun.client.post("/v1/ingest/mailgun", data=fields)
    assert answer.status_code == 202, answer.text
    [event] = mailgun.events()
    assert event.format == "mailgun"
    assert json.loads(event.payload_json) == fields
    assert event.idempotency_key == f"mailgun:{fields['token']}"


def test_a_multipart_forward_keeps_its_attachments(mailgun: Ingest) -> None:
    fields = {**forward(**signed()), "attachment-count": "2"}
    answer = mailgun.client.post(
        "/v1/ingest/mailgun",
        data=fields,
        files={
            "attachment-1": ("EX-2026-031.pdf", PDF, "application/pdf"),
            "attachment-2": ("parts.csv", b"mpn\nEXA100\n", "text/csv"),
        },
    )
    assert answer.status_code == 202, answer.text
    [event] = mailgun.events()
    assert [(a.filename, a.content) for a in event.attachments] == [
        ("EX-2026-031.pdf", PDF),
        ("parts.csv", b"mpn\nEXA100\n"),
    ]


def test_a_wrong_signature_is_401(mailgun: Ingest) -> None:
    answer = mailgun.client.post(
        "/v1/ingest/mailgun", data=forward(**signed(key="key-someone-else"))
    )
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("/invalid-signature")
    missing = mailgun.client.post("/v1/ingest/mailgun", data={"subject": "no signature"})
    assert missing.status_code == 401
    assert mailgun.events() == []


def test_an_expired_timestamp_is_406_so_mailgun_stops(mailgun: Ingest) -> None:
    answer = mailgun.client.post("/v1/ingest/mailgun", data=forward(**signed(age=301)))
    assert answer.status_code == 406
    assert answer.json()["type"].endswith("/signature-expired")
    assert mailgun.events() == []


def test_a_token_is_accepted_once(mailgun: Ingest) -> None:
    fields = forward(**signed())
    first = mailgun.client.post("/v1/ingest/mailgun", data=fields)
    retry = mailgun.client.post("/v1/ingest/mailgun", data=fields)
    assert retry.status_code == 202
    assert retry.json()["task_id"] == first.json()["task_id"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    replayed = mailgun.client.post(
        "/v1/ingest/mailgun", data={**fields, "subject": "forged", "body-plain": "forged"}
    )
    assert replayed.status_code == 406
    assert replayed.json()["type"].endswith("/idempotency-key-reused")
    assert len(mailgun.events()) == 1


def test_json_is_refused_with_406(mailgun: Ingest) -> None:
    answer = mailgun.client.post("/v1/ingest/mailgun", json=forward(**signed()))
    assert answer.status_code == 406


@pytest.fixture
def keyless(shared_nats_url: str) -> Iterator[Ingest]:
    yield from start_ingest(shared_nats_url, mailgun_signing_key="")


def test_without_a_signing_key_an_api_key_is_required(keyless: Ingest) -> None:
    keyless.client.headers.clear()
    fields = forward(token="t-1", timestamp="1", signature="unchecked")
    assert keyless.client.post("/v1/ingest/mailgun", data=fields).status_code == 401
    answer = keyless.client.post("/v1/ingest/mailgun", data=fields, auth=("mailgun", API_KEY))
    assert answer.status_code == 202
