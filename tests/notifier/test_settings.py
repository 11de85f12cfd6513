"""The per-channel rates: one nested model each, set through the flat variables as before."""

from __future__ import annotations

import pytest

from radar_common.settings import load_settings, setting_names
from radar_notifier.settings import ChannelRate, NotifierSettings


def test_flat_variables_fill_the_channel_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADAR_SLACK_RATE_PER_SECOND", "0.5")
    monkeypatch.setenv("RADAR_SLACK_WEBHOOK_URL", "https://hooks.example/x")
    monkeypatch.setenv("RADAR_SMTP_BURST", "9")
    monkeypatch.setenv("RADAR_SMTP_URL", "smtp://mail.example:25")
    monkeypatch.setenv("RADAR_SMTP_TO", "ops@example.com")
    settings = NotifierSettings()
    # One variable sets one field; the other keeps that channel's own default.
    assert settings.slack == ChannelRate(rate_per_second=0.5, burst=3)
    assert settings.smtp == ChannelRate(rate_per_second=2.0, burst=9)
    assert settings.teams == ChannelRate(rate_per_second=4.0, burst=4)
    # The channels' other variables still reach their own fields.
    assert settings.enabled_channels() == ["slack", "email"]


def test_a_bad_rate_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADAR_TEAMS_BURST", "0")
    with pytest.raises(SystemExit, match="refusing to start"):
        load_settings(NotifierSettings)


def test_the_rates_are_listed_as_their_variables() -> None:
    names = setting_names(NotifierSettings)
    assert {"slack_rate_per_second", "slack_burst", "smtp_burst"} <= set(names)
    assert "slack" not in names
