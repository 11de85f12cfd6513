"""A captured signed delivery cannot be replayed into a new task.

Anyone who saw one signed request (a proxy log, a misdirected webhook) holds a (timestamp,
token, signature) triple or a Standard Webhooks signature that stays valid for the tolerance
window. A client ``Idempotency-Key`` header is not covered by any signature, so on signed and
provider routes it is ignored: the Mailgun ``token``, the ``webhook-id``, the Postmark
``MessageID`` or the content decide what is "the same delivery", and each is used once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from radar_cli.infra import NatsServer
from tests.hostile.conftest import Ingestion
from tests.ingestion.conftest import WEBHOOK_SECRET, Ingest, start_ingest

pytestmark = pytest.mark.integration


def _mailgun(key: str, token: str, timestamp: int, subject: str) -> dict[str, str]:
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "timestamp": str(timestamp),
        "token": token,
        "signature": signature,
        "sender": "pcn@vendor.example",
        "recipient": "radar@example.com",
        "subject": subject,
        "body-plain": f"{subject}: LM358DR will be discontinued.",
    }


def test_a_mailgun_triple_with_a_fresh_idempotency_key_is_refused(ingestion: Ingestion) -> None:
    url = f"{ingestion.url}/v1/ingest/mailgun"
    key, token, now = ingestion.secrets.mailgun_key, uuid.uuid4().hex, int(time.time())
    first = httpx.post(url, data=_mailgun(key, token, now, "PDN 1"))
    assert first.status_code == 202, first.text
    tasks = {first.json()["task_id"]}
    for n in range(2):
        forged = httpx.post(
            url,
            data=_mailgun(key, token, now, f"forged {n}"),
            headers={"Idempotency-Key": f"fresh-{uuid.uuid4().hex}"},
        )
        assert forged.status_code == 406, forged.text  # Mailgun's "never retry"
        assert forged.json()["type"].endswith("/idempotency-key-reused")
    # The genuine retry, even with a header of its own, is the first task again.
    again = httpx.post(
        url, data=_mailgun(key, token, now, "PDN 1"), headers={"Idempotency-Key": "x"}
    )
    assert again.status_code == 202
    tasks.add(again.json()["task_id"])
    assert len(tasks) == 1


def _standard_signed(secret_key: bytes, msg_id: str, body: bytes, age: float = 0) -> dict[str, str]:
    timestamp = int(time.time() - age)
    mac = hmac.new(secret_key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
        "content-type": "application/json",
    }


def _event(mpn: str, **extra: Any) -> bytes:
    return json.dumps({"source": "siliconexpert", "raw_data": {"mpn": mpn}, **extra}).encode()


def test_a_signed_body_with_new_idempotency_keys_is_one_task(ingestion: Ingestion) -> None:
    url = f"{ingestion.url}/v1/events/ingest"
    body = _event(f"SIG-{uuid.uuid4().hex[:8]}")
    headers = _standard_signed(ingestion.secrets.webhook_key, f"msg_{uuid.uuid4().hex}", body)
    answers = [
        httpx.post(url, content=body, headers={**headers, "Idempotency-Key": f"k-{n}"})
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [202, 202, 202], [a.text for a in answers]
    assert len({a.json()["task_id"] for a in answers}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers[1:]] == ["true", "true"]


def test_a_webhook_id_is_used_once_whatever_the_body_says(ingestion: Ingestion) -> None:
    """Even the signer cannot reuse a webhook-id through the body's `idempotency_key`."""
    url = f"{ingestion.url}/v1/events/ingest"
    msg_id = f"msg_{uuid.uuid4().hex}"
    key = ingestion.secrets.webhook_key
    first_body = _event("LM317T", idempotency_key="body-key-1")
    first = httpx.post(url, content=first_body, headers=_standard_signed(key, msg_id, first_body))
    assert first.status_code == 202, first.text
    other_body = _event("LM7805", idempotency_key="body-key-2")
    other = httpx.post(url, content=other_body, headers=_standard_signed(key, msg_id, other_body))
    assert other.status_code == 422, other.text
    assert other.json()["type"].endswith("/idempotency-key-reused")


@pytest.fixture
def tolerance_60(hostile_nats: NatsServer) -> Iterator[Ingest]:
    yield from start_ingest(hostile_nats.url, signature_tolerance_seconds=60)


@pytest.fixture
def tolerance_900(hostile_nats: NatsServer) -> Iterator[Ingest]:
    yield from start_ingest(hostile_nats.url, signature_tolerance_seconds=900)


def _secret_key() -> bytes:
    return base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_") + "==")


def _post_signed(ingest: Ingest, age: float) -> Any:
    ingest.client.headers.clear()
    body = _event(f"AGE-{uuid.uuid4().hex[:8]}")
    headers = _standard_signed(_secret_key(), f"msg_{uuid.uuid4().hex}", body, age=age)
    return ingest.client.post("/v1/events/ingest", content=body, headers=headers)


def test_signature_tolerance_applies_to_standard_webhooks(
    tolerance_60: Ingest, tolerance_900: Ingest
) -> None:
    stale = _post_signed(tolerance_60, age=120)
    assert stale.status_code == 401, stale.text
    assert stale.json()["type"].endswith("/signature-expired")
    assert _post_signed(tolerance_60, age=30).status_code == 202
    # A longer window is honoured too (the library's own is a fixed 5 minutes).
    late = _post_signed(tolerance_900, age=600)
    assert late.status_code == 202, late.text
    assert _post_signed(tolerance_900, age=1200).status_code == 401


def test_provider_routes_ignore_a_client_idempotency_key(ingestion: Ingestion) -> None:
    s = ingestion.secrets
    auth = ("sendgrid", s.api_key)
    form = {"from": "pcn@vendor.example", "subject": f"PDN {uuid.uuid4().hex}", "text": "EOL"}
    sendgrid = [
        httpx.post(
            f"{ingestion.url}/v1/ingest/sendgrid",
            data=form,
            auth=auth,
            headers={"Idempotency-Key": f"sg-{n}"},
        )
        for n in range(2)
    ]
    assert [a.status_code for a in sendgrid] == [202, 202], [a.text for a in sendgrid]
    assert len({a.json()["task_id"] for a in sendgrid}) == 1
    message_id = str(uuid.uuid4())
    postmark = [
        httpx.post(
            f"{ingestion.url}/v1/ingest/postmark",
            json={"MessageID": message_id, "Subject": "PDN", "TextBody": "EOL"},
            auth=("postmark", s.api_key),
            headers={"Idempotency-Key": f"pm-{n}"},
        )
        for n in range(2)
    ]
    assert [a.status_code for a in postmark] == [202, 202], [a.text for a in postmark]
    assert len({a.json()["task_id"] for a in postmark}) == 1


def test_api_key_callers_keep_their_idempotency_key(ingestion: Ingestion) -> None:
    """Only signed and provider routes ignore it: a key holder still chooses the key."""
    url = f"{ingestion.url}/v1/events/ingest"
    headers = {"X-API-Key": ingestion.secrets.api_key, "Content-Type": "application/json"}
    key = f"caller-{uuid.uuid4().hex}"
    answers = [
        httpx.post(url, content=_event(f"K-{n}"), headers={**headers, "Idempotency-Key": key})
        for n in range(2)
    ]
    assert answers[0].status_code == 202
    assert answers[1].status_code == 422  # the same key for other content
