"""POST /v1/ingest/ses — SES receipts through SNS, signed with a test certificate.

A loopback HTTP server plays the SNS endpoint (signing certificate and SubscribeURL); the
test-only settings allow plain http on 127.0.0.1 for it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from radar_ingestion.sns import string_to_sign
from tests.ingestion.conftest import API_KEY, Ingest, start_ingest
from tests.support.receiver import Answer, Receiver

pytestmark = pytest.mark.integration
CERT_PATH = "/SimpleNotificationService-test.pem"
MIME = (
    b"From: pcn@example-semi.com\r\nTo: pdn@radar.example.com\r\n"
    b"Subject: PDN EX-2026-031\r\n\r\nLast Time Buy Date: 03-Sep-2026\r\n"
)


def _self_signed() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


KEY, CERT_PEM = _self_signed()


@pytest.fixture
def sns_host() -> Iterator[Receiver]:
    with Receiver() as receiver:
        receiver.default(CERT_PATH, Answer(body=CERT_PEM))
        yield receiver


@pytest.fixture
def ses(shared_nats_url: str, sns_host: Receiver) -> Iterator[Ingest]:
    yield from start_ingest(
        shared_nats_url, sns_host_pattern=r"^127\.0\.0\.1$", sns_allow_http=True
    )


def now_iso() -> str:
    """An SNS Timestamp for now (messages older than RADAR_SNS_MAX_AGE_SECONDS are refused)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def sign(message: dict[str, Any], version: str = "2", key: rsa.RSAPrivateKey = KEY) -> None:
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
    message["SignatureVersion"] = version
    signature = key.sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
    message["Signature"] = base64.b64encode(signature).decode()


def notification(sns_host: Receiver, message_id: str = "sns-msg-1") -> dict[str, Any]:
    ses_notification = {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2026-05-01T16:12:00.000Z",
            "source": "pcn@example-semi.com",
            "messageId": "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
            "destination": ["pdn@radar.example.com"],
            "commonHeaders": {"subject": "PDN EX-2026-031"},
        },
        "receipt": {
            "recipients": ["pdn@radar.example.com"],
            "spamVerdict": {"status": "PASS"},
            "action": {
                "type": "SNS",
                "topicArn": "arn:aws:sns:eu-west-1:123456789012:radar-inbound",
                "encoding": "BASE64",
            },
        },
        "content": base64.b64encode(MIME).decode(),
    }
    message: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:radar-inbound",
        "Subject": "Amazon SES Email Receipt Notification",
        "Message": json.dumps(ses_notification),
        "Timestamp": now_iso(),
        "SigningCertURL": sns_host.url(CERT_PATH),
        "UnsubscribeURL": sns_host.url("/unsubscribe"),
    }
    sign(message)
    return message


def post(ingest: Ingest, message: dict[str, Any]) -> Any:
    return ingest.client.post(
        "/v1/ingest/ses",
        content=json.dumps(message).encode(),
        headers={
            "Content-Type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": str(message["Type"]),
        },
        auth=("sns", API_KEY),
    )


def test_a_subscription_is_confirmed(ses: Ingest, sns_host: Receiver) -> None:
    message: dict[str, Any] = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e2425f004aed",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:radar-inbound",
        "Message": "You have chosen to subscribe to the topic ...",
        "SubscribeURL": sns_host.url("/?Action=ConfirmSubscription&Token=2336412f"),
        "Timestamp": now_iso(),
        "SigningCertURL": sns_host.url(CERT_PATH),
    }
    sign(message)
    answer = post(ses, message)
    assert answer.status_code == 200, answer.text
    assert answer.json()["confirmed"] is True
    assert len(sns_host.requests_to("/?Action=ConfirmSubscription&Token=2336412f")) == 1
    assert ses.events() == []


def test_an_ses_notification_becomes_a_raw_event_once(ses: Ingest, sns_host: Receiver) -> None:
    message = notification(sns_host)
    first = post(ses, message)
    again = post(ses, message)
    assert first.status_code == 202, first.text
    assert again.json()["task_id"] == first.json()["task_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    [event] = ses.events()
    assert event.format == "ses"
    assert event.raw_body == MIME
    assert event.idempotency_key == "sns:sns-msg-1"
    payload = json.loads(event.payload_json)
    assert payload["mail"]["commonHeaders"]["subject"] == "PDN EX-2026-031"
    assert "content" not in payload
    assert len(sns_host.requests_to(CERT_PATH)) == 1  # the certificate is cached


def test_a_tampered_message_is_401(ses: Ingest, sns_host: Receiver) -> None:
    message = notification(sns_host)
    message["Message"] = message["Message"].replace("PDN", "XXX")
    answer = post(ses, message)
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("/invalid-signature")
    other_key, _ = _self_signed()
    forged = notification(sns_host, "sns-msg-2")
    sign(forged, key=other_key)
    assert post(ses, forged).status_code == 401
    assert ses.events() == []


def test_a_certificate_from_another_host_is_never_fetched(ses: Ingest, sns_host: Receiver) -> None:
    message = notification(sns_host)
    message["SigningCertURL"] = sns_host.url(CERT_PATH).replace("127.0.0.1", "localhost")
    sign(message)
    answer = post(ses, message)
    assert answer.status_code == 401
    assert sns_host.requests_to(CERT_PATH) == []


def test_an_unreachable_certificate_is_503(ses: Ingest, sns_host: Receiver) -> None:
    message = notification(sns_host)
    sns_host.default("/missing.pem", Answer(status=503, body=b"busy"))
    message["SigningCertURL"] = sns_host.url("/missing.pem")
    sign(message)
    answer = post(ses, message)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]


def test_not_json_is_400(ses: Ingest) -> None:
    answer = ses.client.post(
        "/v1/ingest/ses", content=b"hello", headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 400
