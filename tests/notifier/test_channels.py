"""How receivers' answers are classified, and what the settings refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from pydantic import ValidationError

from radar_notifier.channels import (
    DeliveryError,
    PermanentDeliveryError,
    RateLimited,
    classify,
    retry_after_seconds,
)
from radar_notifier.settings import NotifierSettings


def _answer(status: int, body: str = "", **headers: str) -> httpx.Response:
    return httpx.Response(status, text=body, headers=headers)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "invalid_payload"),
        (403, "action_prohibited"),
        (404, "channel_not_found"),
        (410, "channel_is_archived"),
    ],
)
def test_slack_refusals_are_permanent_with_the_reason(status: int, body: str) -> None:
    with pytest.raises(PermanentDeliveryError, match=f"slack: HTTP {status} {body}"):
        classify("slack", _answer(status, body))


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_server_errors_are_transient(status: int) -> None:
    with pytest.raises(DeliveryError) as caught:
        classify("teams", _answer(status))
    assert not isinstance(caught.value, RateLimited)


def test_429_carries_retry_after() -> None:
    with pytest.raises(RateLimited) as caught:
        classify("slack", _answer(429, "rate_limited", **{"Retry-After": "7"}))
    assert caught.value.retry_after == 7.0
    classify("teams", _answer(202))  # Workflows accept with 202


def test_retry_after_forms() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 30
    assert retry_after_seconds(None) == 1.0
    assert retry_after_seconds("soon") == 1.0
    assert retry_after_seconds("100000") == 300.0  # bounded


def test_channels_follow_the_settings_and_the_lease_must_outlast_a_send(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SLACK_WEBHOOK_URL", "TEAMS_WEBHOOK_URL", "WEBHOOK_URL", "SMTP_URL"):
        monkeypatch.delenv(f"RADAR_{name}", raising=False)
    assert NotifierSettings().enabled_channels() == ["log"]
    assert NotifierSettings(slack_webhook_url="", smtp_url=" ").enabled_channels() == ["log"]
    both = NotifierSettings(
        slack_webhook_url="https://hooks.slack.test/x", teams_webhook_url="https://teams.test/y"
    )
    assert both.enabled_channels() == ["slack", "teams"]
    assert "hooks.slack.test" not in repr(both)  # webhook URLs are secrets
    with pytest.raises(ValidationError, match="RADAR_LEASE_SECONDS"):
        NotifierSettings(lease_seconds=10, send_budget_seconds=20)
    with pytest.raises(ValidationError, match="RADAR_SMTP_TO"):
        NotifierSettings(smtp_url="smtp://relay")
