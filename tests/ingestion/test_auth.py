"""Credentials: API keys in three places, Standard Webhooks signatures, Mailgun signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from radar_common.api_keys import parse_api_keys
from radar_ingestion.auth import (
    Authenticator,
    SignatureError,
    StaleSignature,
    offered_key,
    verify_mailgun,
)
from tests.ingestion.conftest import API_KEY, WEBHOOK_SECRET, Ingest

EVENT = b'{"source":"saas_platform","raw_data":{"mpn":"LM358DR","status":"EOL"}}'


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def signed_headers(
    body: bytes, msg_id: str = "msg_2Lh9rjs", *, secret: str = WEBHOOK_SECRET, age: float = 0
) -> dict[str, str]:
    at = datetime.now(UTC) - timedelta(seconds=age)
    signature = Webhook(secret).sign(msg_id, at, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-api-key": "k1"}, "k1"),
        ({"authorization": "Bearer k2"}, "k2"),
        ({"authorization": basic("postmark", "k3")}, "k3"),
        ({"authorization": basic("k4", "")}, "k4"),
        ({"authorization": "Basic !!!"}, None),
        ({"authorization": "Digest abc"}, None),
        ({}, None),
    ],
)
def test_offered_key_reads_every_place(headers: dict[str, str], expected: str | None) -> None:
    assert offered_key(headers) == expected


def test_keys_compare_against_every_configured_key() -> None:
    auth = Authenticator(parse_api_keys("alpha:read;beta:ingest"))
    assert auth.key_scopes("alpha") == frozenset({"read"})
    assert auth.key_ok("beta")
    assert not auth.key_ok("bet")
    assert not auth.key_ok("")
    assert not auth.key_ok(None)


def test_mailgun_signature_rules() -> None:
    ts, token = str(int(time.time())), "tok-1"
    good = hmac.new(b"signing", (ts + token).encode(), hashlib.sha256).hexdigest()
    verify_mailgun("signing", ts, token, good, tolerance=300)
    with pytest.raises(SignatureError):
        verify_mailgun("signing", ts, token, "0" * 64, tolerance=300)
    old = str(int(time.time()) - 301)
    old_sig = hmac.new(b"signing", (old + token).encode(), hashlib.sha256).hexdigest()
    with pytest.raises(StaleSignature):
        verify_mailgun("signing", old, token, old_sig, tolerance=300)


@pytest.mark.integration
@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": API_KEY},
        {"Authorization": f"Bearer {API_KEY}"},
        {"Authorization": basic("postmark", API_KEY)},
    ],
    ids=["x-api-key", "bearer", "basic"],
)
def test_an_api_key_is_accepted_from_each_place(ingest: Ingest, headers: dict[str, str]) -> None:
    ingest.client.headers.clear()
    answer = ingest.client.post(
        "/v1/events/ingest", content=EVENT, headers={**headers, "Content-Type": "application/json"}
    )
    assert answer.status_code == 202, answer.text


@pytest.mark.integration
@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}],
    ids=["none", "wrong-header", "wrong-bearer"],
)
def test_missing_or_wrong_keys_are_401(ingest: Ingest, headers: dict[str, str]) -> None:
    ingest.client.headers.clear()
    answer = ingest.client.post(
        "/v1/events/ingest", content=EVENT, headers={**headers, "Content-Type": "application/json"}
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert "Bearer" in answer.headers["WWW-Authenticate"]
    assert ingest.events() == []


@pytest.mark.integration
def test_a_standard_webhooks_signature_authenticates_and_dedups(ingest: Ingest) -> None:
    ingest.client.headers.clear()
    first = ingest.client.post("/v1/events/ingest", content=EVENT, headers=signed_headers(EVENT))
    again = ingest.client.post("/v1/events/ingest", content=EVENT, headers=signed_headers(EVENT))
    assert first.status_code == again.status_code == 202, first.text
    assert again.json()["task_id"] == first.json()["task_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    [event] = ingest.events()
    assert event.idempotency_key == "webhook:msg_2Lh9rjs"


@pytest.mark.integration
def test_any_of_several_rotated_signatures_is_enough(ingest: Ingest) -> None:
    ingest.client.headers.clear()
    headers = signed_headers(EVENT)
    old_secret = "whsec_" + base64.b64encode(b"a retired secret of 32 bytes....").decode()
    stale = signed_headers(EVENT, secret=old_secret)["webhook-signature"]
    headers["webhook-signature"] = f"{stale} {headers['webhook-signature']}"
    answer = ingest.client.post("/v1/events/ingest", content=EVENT, headers=headers)
    assert answer.status_code == 202, answer.text


@pytest.mark.integration
@pytest.mark.parametrize("case", ["wrong-secret", "expired", "tampered", "garbage"])
def test_bad_signatures_are_401(ingest: Ingest, case: str) -> None:
    ingest.client.headers.clear()
    body = EVENT
    if case == "wrong-secret":
        other = "whsec_" + base64.b64encode(b"not the secret but 32 bytes long").decode()
        headers = signed_headers(EVENT, secret=other)
    elif case == "expired":
        headers = signed_headers(EVENT, age=301)
    elif case == "tampered":
        headers = signed_headers(EVENT)
        body = EVENT.replace(b"EOL", b"NRND")
    else:
        headers = {**signed_headers(EVENT), "webhook-signature": "v1"}
    answer = ingest.client.post("/v1/events/ingest", content=body, headers=headers)
    assert answer.status_code == 401
    expected = "/signature-expired" if case == "expired" else "/invalid-signature"
    assert answer.json()["type"].endswith(expected)
    assert ingest.events() == []
