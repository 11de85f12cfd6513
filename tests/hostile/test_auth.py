"""Authentication under attack, against a real ingestion process.

Every non-health endpoint refuses missing and wrong credentials; signatures made with the wrong
key, with an old timestamp, or replayed, never create a second event; secrets never reach logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.hostile.conftest import Ingestion

pytestmark = pytest.mark.integration

OPEN = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc"}
REFUSED = {401, 403}
EVENT = {"source": "siliconexpert", "raw_data": {"mpn": "LM317T", "lifecycle_status": "EOL"}}


def _operations(url: str) -> list[tuple[str, str, bool]]:
    """(method, path with ids filled in, takes a form body) of every documented operation."""
    doc = httpx.get(f"{url}/openapi.json").json()
    ops = []
    for path, item in doc["paths"].items():
        if path in OPEN:
            continue
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                concrete = re.sub(r"\{(task|assessment|record)_id\}", "0" * 32, path)
                media = op.get("requestBody", {}).get("content", {})
                form = any("form" in m for m in media) and "application/json" not in media
                ops.append((method.upper(), concrete, form))
    return ops


WRONG = {
    "none": {},
    "wrong X-API-Key": {"X-API-Key": "not-the-key"},
    "wrong bearer": {"Authorization": "Bearer not-the-key"},
    "wrong basic": {"Authorization": "Basic " + base64.b64encode(b"radar:not-the-key").decode()},
    "empty bearer": {"Authorization": "Bearer"},
    "garbage basic": {"Authorization": "Basic %%%"},
}


@pytest.mark.parametrize("credentials", list(WRONG), ids=list(WRONG))
def test_every_endpoint_refuses_missing_or_wrong_credentials(
    ingestion: Ingestion, credentials: str
) -> None:
    ops = _operations(ingestion.url)
    assert len(ops) >= 3, ops
    answers = {}
    with httpx.Client(base_url=ingestion.url, headers=WRONG[credentials]) as client:
        for method, path, form in ops:
            if form:  # a form with whatever a provider sends, minus valid credentials
                r = client.request(method, path, data={"subject": "PDN", "timestamp": "1"})
            else:
                r = client.request(method, path, json=EVENT if method == "POST" else None)
            answers[f"{method} {path}"] = r.status_code
    let_in = {op: status for op, status in answers.items() if status not in REFUSED}
    assert not let_in, f"not refused with {credentials}: {let_in}"


def test_health_endpoints_stay_open(ingestion: Ingestion) -> None:
    assert httpx.get(f"{ingestion.url}/healthz").status_code == 200
    assert httpx.get(f"{ingestion.url}/readyz").status_code == 200


def _sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Standard Webhooks: v1,base64(HMAC-SHA256(key, "id.timestamp.body"))."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
        "content-type": "application/json",
    }


def _signed_post(ingestion: Ingestion, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return httpx.post(
        f"{ingestion.url}/v1/events/ingest", content=json.dumps(body).encode(), headers=headers
    )


def test_standard_webhooks_signature_is_checked(ingestion: Ingestion) -> None:
    key = ingestion.secrets.webhook_key
    body = {**EVENT, "raw_data": {"mpn": f"SIG-{uuid.uuid4().hex[:8]}"}}
    raw = json.dumps(body).encode()
    now = int(time.time())

    good = _signed_post(ingestion, body, _sign(key, "msg_good", now, raw))
    assert good.status_code == 202, good.text

    wrong_key = _signed_post(ingestion, body, _sign(b"another-key", "msg_wk", now, raw))
    assert wrong_key.status_code == 401
    old = _signed_post(ingestion, body, _sign(key, "msg_old", now - 3600, raw))
    assert old.status_code == 401
    future = _signed_post(ingestion, body, _sign(key, "msg_future", now + 3600, raw))
    assert future.status_code == 401
    tampered = {**body, "raw_data": {"mpn": "SOMETHING-ELSE"}}
    moved = _signed_post(ingestion, tampered, _sign(key, "msg_tamper", now, raw))
    assert moved.status_code == 401

    # The same delivery again (an attacker replaying a captured request): no second event.
    replay = _signed_post(ingestion, body, _sign(key, "msg_good", now, raw))
    assert replay.status_code in {202, 409, *REFUSED}
    if replay.status_code == 202:
        assert replay.json()["task_id"] == good.json()["task_id"]


def _mailgun_form(key: str, timestamp: int, token: str, subject: str) -> dict[str, str]:
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "timestamp": str(timestamp),
        "token": token,
        "signature": signature,
        "sender": "pcn@vendor.example",
        "recipient": "radar@example.com",
        "subject": subject,
        "body-plain": "Product discontinuance notice: LM358DR will be discontinued.",
    }


def test_mailgun_signature_wrong_key_old_timestamp_and_replayed_token(
    ingestion: Ingestion,
) -> None:
    url = f"{ingestion.url}/v1/ingest/mailgun"
    key, now, token = ingestion.secrets.mailgun_key, int(time.time()), uuid.uuid4().hex
    if httpx.get(f"{ingestion.url}/openapi.json").json()["paths"].get("/v1/ingest/mailgun") is None:
        pytest.skip("no Mailgun endpoint in this ingestion")

    good = httpx.post(url, data=_mailgun_form(key, now, token, "PDN 1"))
    assert good.status_code == 202, good.text
    wrong = httpx.post(url, data=_mailgun_form("wrong-key", now, uuid.uuid4().hex, "PDN 2"))
    assert wrong.status_code in REFUSED
    old = httpx.post(url, data=_mailgun_form(key, now - 3600, uuid.uuid4().hex, "PDN 3"))
    assert 400 <= old.status_code < 500
    assert old.status_code != 422
    # The captured token used again for other content: refused, never a second event.
    reused = httpx.post(url, data=_mailgun_form(key, now, token, "PDN 4 (forged)"))
    assert 400 <= reused.status_code < 500


def test_secrets_never_reach_the_logs(ingestion: Ingestion) -> None:
    """Use every secret (right and wrong) at DEBUG level, then grep the service's log."""
    s = ingestion.secrets
    with httpx.Client(base_url=ingestion.url) as client:
        client.post("/v1/events/ingest", json=EVENT, headers={"X-API-Key": s.api_key})
        client.post(
            "/v1/events/ingest", json=EVENT, headers={"Authorization": f"Bearer {s.api_key}"}
        )
        client.post("/v1/events/ingest", json=EVENT, headers={"X-API-Key": s.api_key + "x"})
        client.get(f"/v1/tasks/{'0' * 32}", auth=("radar", s.api_key))
        client.post("/v1/events/ingest", json={"source": s.api_key, "raw_data": {}})
    time.sleep(0.5)
    log = ingestion.log.read_text(errors="replace")
    assert log.count("\n") >= 3, "the service logged (nearly) nothing: the grep proves nothing"
    leaked = [
        name
        for name, secret in {
            "api key": s.api_key,
            "webhook secret": s.webhook_secret,
            "webhook key (base64)": base64.b64encode(s.webhook_key).decode(),
            "mailgun signing key": s.mailgun_key,
        }.items()
        if secret in log
    ]
    assert not leaked, f"secrets in the ingestion log: {leaked}"
