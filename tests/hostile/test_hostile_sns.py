"""SNS messages: only AWS's own certificate port, allowed topics, fresh, and SHA256 by default.

- ``SigningCertURL`` and ``SubscribeURL`` must be https on port 443 of an SNS host: any other
  port could be a service of someone else's on the same name.
- ``RADAR_SNS_TOPIC_ARNS`` (optional) lists the topics whose messages are accepted; others are
  refused before any certificate is fetched.
- A message's ``Timestamp`` must be within ``RADAR_SNS_MAX_AGE_SECONDS`` of now.
- SignatureVersion 1 (SHA1) is refused unless ``RADAR_SNS_ALLOW_SHA1=true``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from radar_cli.infra import NatsServer
from radar_ingestion.auth import SignatureError
from radar_ingestion.settings import SNS_CERT_HOST_PATTERN
from radar_ingestion.sns import SnsVerifier
from tests.ingestion.api.routes.test_ses import CERT_PATH, CERT_PEM, notification, post, sign
from tests.ingestion.conftest import Ingest, start_ingest
from tests.support.receiver import Answer, Receiver

TOPIC = "arn:aws:sns:eu-west-1:123456789012:radar-inbound"


@pytest.mark.parametrize("port", [8443, 80, 444])
def test_a_certificate_on_another_port_is_refused(port: int) -> None:
    verifier = SnsVerifier(SNS_CERT_HOST_PATTERN)
    with pytest.raises(SignatureError, match="port"):
        verifier.check_url(f"https://sns.us-east-1.amazonaws.com:{port}/cert.pem")
    verifier.check_url("https://sns.us-east-1.amazonaws.com:443/cert.pem")


@pytest.fixture
def sns_host() -> Iterator[Receiver]:
    with Receiver() as receiver:
        receiver.default(CERT_PATH, Answer(body=CERT_PEM))
        yield receiver


def _ses(nats: NatsServer, **overrides: Any) -> Iterator[Ingest]:
    yield from start_ingest(
        nats.url, sns_host_pattern=r"^127\.0\.0\.1$", sns_allow_http=True, **overrides
    )


@pytest.fixture
def ses(hostile_nats: NatsServer, sns_host: Receiver) -> Iterator[Ingest]:
    yield from _ses(hostile_nats, sns_topic_arns=TOPIC, sns_max_age_seconds=600)


@pytest.fixture
def ses_sha1(hostile_nats: NatsServer, sns_host: Receiver) -> Iterator[Ingest]:
    yield from _ses(hostile_nats, sns_allow_sha1=True)


def _fresh(sns_host: Receiver, message_id: str, *, age: float = 0) -> dict[str, Any]:
    message = notification(sns_host, message_id)
    at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age)
    message["Timestamp"] = at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    sign(message)
    return message


@pytest.mark.integration
def test_a_topic_outside_the_allowlist_is_refused_unfetched(
    ses: Ingest, sns_host: Receiver
) -> None:
    message = _fresh(sns_host, "other-topic")
    message["TopicArn"] = "arn:aws:sns:eu-west-1:999999999999:someone-else"
    sign(message)
    answer = post(ses, message)
    assert answer.status_code == 403, answer.text
    assert answer.json()["type"].endswith("/topic-not-allowed")
    assert sns_host.requests_to(CERT_PATH) == []
    assert post(ses, _fresh(sns_host, "allowed-topic")).status_code == 202


@pytest.mark.integration
def test_an_old_message_is_refused(ses: Ingest, sns_host: Receiver) -> None:
    stale = post(ses, _fresh(sns_host, "stale", age=3600))
    assert stale.status_code == 401, stale.text
    assert stale.json()["type"].endswith("/signature-expired")
    future = post(ses, _fresh(sns_host, "future", age=-3600))
    assert future.status_code == 401, future.text
    assert post(ses, _fresh(sns_host, "fresh", age=60)).status_code == 202
    assert len(ses.events()) == 1


@pytest.mark.integration
def test_sha1_signatures_are_off_unless_enabled(
    ses: Ingest, ses_sha1: Ingest, sns_host: Receiver
) -> None:
    message = _fresh(sns_host, "sha1")
    sign(message, version="1")
    refused = post(ses, message)
    assert refused.status_code == 401, refused.text
    assert "SignatureVersion" in refused.json()["detail"]
    accepted = post(ses_sha1, message)
    assert accepted.status_code == 202, accepted.text
    assert json.loads(ses_sha1.events()[0].payload_json)["receipt"]["action"]["type"] == "SNS"
