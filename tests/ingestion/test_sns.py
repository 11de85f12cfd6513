"""SNS signature verification and the allowed-host rule (unit level)."""

from __future__ import annotations

import pytest

from radar_ingestion.auth import SignatureError
from radar_ingestion.settings import SNS_CERT_HOST_PATTERN
from radar_ingestion.sns import SnsVerifier, string_to_sign


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
    ],
)
def test_sns_hosts_over_https_are_allowed(url: str) -> None:
    SnsVerifier(SNS_CERT_HOST_PATTERN).check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/cert.pem",
        "https://s3.amazonaws.com/cert.pem",
        "https://user:pw@sns.us-east-1.amazonaws.com/cert.pem",
        "file:///etc/passwd",
        "",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(SignatureError):
        SnsVerifier(SNS_CERT_HOST_PATTERN).check_url(url)


def test_the_string_to_sign_follows_the_message_type() -> None:
    notification = {
        "Type": "Notification",
        "MessageId": "m1",
        "TopicArn": "arn:t",
        "Message": "hello",
        "Timestamp": "2026-05-01T00:00:00.000Z",
        "Token": "ignored for notifications",
    }
    assert string_to_sign(notification) == (
        b"Message\nhello\nMessageId\nm1\nTimestamp\n2026-05-01T00:00:00.000Z\n"
        b"TopicArn\narn:t\nType\nNotification\n"
    )
    confirmation = {**notification, "Type": "SubscriptionConfirmation", "SubscribeURL": "u"}
    assert b"SubscribeURL\nu\n" in string_to_sign(confirmation)
    assert b"Token\nignored for notifications\n" in string_to_sign(confirmation)
