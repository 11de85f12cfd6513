"""Notifier settings (env prefix ``RADAR_``): which channels are on, and how hard to try.

Each channel's rate limit is one :class:`ChannelRate` (``slack``, ``teams``, ``webhook``,
``smtp``), still set through the flat variables ``RADAR_<CHANNEL>_RATE_PER_SECOND`` and
``RADAR_<CHANNEL>_BURST``: the nested delimiter is ``_`` split once, so ``RADAR_SLACK_BURST``
sets ``slack.burst``. A variable that sets one of the two keeps the channel's default for the
other.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import SettingsConfigDict

from radar_common.settings import OptionalPath, OptionalSecret, OptionalText, WorkerSettings


class ChannelRate(BaseModel):
    """A token bucket per destination, shared by every replica through PostgreSQL."""

    # Other RADAR_<CHANNEL>_* variables (RADAR_SLACK_WEBHOOK_URL...) reach this model too.
    model_config = ConfigDict(extra="ignore", frozen=True)

    rate_per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


class NotifierSettings(WorkerSettings):
    """Each channel is enabled by setting its URL; several may be on at once."""

    model_config = SettingsConfigDict(env_nested_delimiter="_", env_nested_max_split=1)

    service_name: str = "notifier"
    http_port: int = 8083
    slack_webhook_url: OptionalSecret = None
    teams_webhook_url: OptionalSecret = None
    # Generic JSON webhook, signed with Standard Webhooks headers when a secret is set.
    webhook_url: OptionalText = None
    webhook_signing_secret: OptionalSecret = None
    # smtp://user:password@host:port (smtps:// for implicit TLS, ?starttls=true for STARTTLS).
    smtp_url: OptionalSecret = None
    smtp_from: str = "radar@localhost"
    smtp_to: str = ""
    routes_file: OptionalPath = None
    # Where people reach the console (RADAR_CONSOLE_URL): alerts link to its assessment page.
    # Empty: they link to the API's record (JSON, needs a key).
    console_url: str = ""
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    # In-handler tries per channel and delivery; after that the message is naked and redelivered.
    send_attempts: int = Field(default=3, ge=1, le=20)
    # A channel gives up for this delivery once this much time is spent (retries and waits).
    send_budget_seconds: float = Field(default=20.0, gt=0)
    backoff_base_seconds: float = Field(default=0.5, ge=0)
    backoff_max_seconds: float = Field(default=8.0, ge=0)
    # A pending notification whose lease ran out belongs to a process that died mid-send.
    lease_seconds: float = Field(default=45.0, gt=0)
    slack: ChannelRate = ChannelRate(rate_per_second=1.0, burst=3)
    teams: ChannelRate = ChannelRate(rate_per_second=4.0, burst=4)
    webhook: ChannelRate = ChannelRate(rate_per_second=10.0, burst=10)
    smtp: ChannelRate = ChannelRate(rate_per_second=2.0, burst=5)
    # Daily digests (routes with ``digest: true``) go out at this hour, UTC.
    digest_hour_utc: int = Field(default=8, ge=0, le=23)
    digest_poll_seconds: float = Field(default=60.0, gt=0)

    @field_validator("slack", "teams", "webhook", "smtp", mode="before")
    @classmethod
    def _over_channel_default(cls, value: Any, info: ValidationInfo) -> Any:
        # RADAR_SLACK_BURST alone arrives as {"burst": ...}: the rate stays the channel's own.
        if isinstance(value, dict) and info.field_name is not None:
            default = cls.model_fields[info.field_name].default
            return {**default.model_dump(), **value}
        return value

    @model_validator(mode="after")
    def _budget_fits_in_lease(self) -> NotifierSettings:
        # A send that outlives its lease could be claimed and repeated by another replica.
        if self.send_budget_seconds + self.http_timeout_seconds >= self.lease_seconds:
            raise ValueError(
                "RADAR_LEASE_SECONDS must exceed RADAR_SEND_BUDGET_SECONDS + "
                "RADAR_HTTP_TIMEOUT_SECONDS"
            )
        if self.smtp_url and not self.smtp_to.strip():
            raise ValueError("RADAR_SMTP_URL is set but RADAR_SMTP_TO (recipients) is empty")
        return self

    def enabled_channels(self) -> list[str]:
        """Channel names whose destination is configured, in a fixed order.

        With none configured, alerts go to the log (``make run`` shows them in the terminal).
        """
        on = {
            "slack": self.slack_webhook_url is not None,
            "teams": self.teams_webhook_url is not None,
            "webhook": bool(self.webhook_url),
            "email": self.smtp_url is not None,
        }
        return [name for name, enabled in on.items() if enabled] or ["log"]
