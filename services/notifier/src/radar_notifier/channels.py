"""Channels: where an alert goes and how a receiver's answer is classified.

Each channel sends one rendered alert and raises on failure:
:class:`PermanentDeliveryError` (never retried: the notification is dead),
:class:`RateLimited` (a 429; wait ``retry_after``) or :class:`DeliveryError` (transient: 5xx,
timeouts, connection errors; retried with backoff).
"""

from __future__ import annotations

import asyncio
import json
import logging
import smtplib
import ssl
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
from standardwebhooks.webhooks import Webhook

from radar_common.contracts import Assessment
from radar_notifier.alert import Alert
from radar_notifier.formats.digest import (
    Digest,
    render_digest_slack,
    render_digest_teams,
    render_digest_text,
    render_digest_webhook,
)
from radar_notifier.formats.slack import render_slack
from radar_notifier.formats.teams import render_teams
from radar_notifier.formats.text import clip, render_text
from radar_notifier.formats.webhook import render_webhook
from radar_notifier.ratelimit import Bucket, destination_key
from radar_notifier.settings import NotifierSettings

log = logging.getLogger(__name__)
DEFAULT_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 300.0


class DeliveryError(Exception):
    """A transient failure: try again later."""


class PermanentDeliveryError(Exception):
    """The receiver refuses this for good (bad URL, archived channel, bad payload)."""


class RateLimited(DeliveryError):
    """The receiver answered 429."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Channel(Protocol):
    """One destination of alerts."""

    @property
    def name(self) -> str: ...

    @property
    def bucket(self) -> Bucket: ...

    async def send(self, alert: Alert, assessment: Assessment) -> None: ...

    async def send_digest(self, digest: Digest) -> None: ...


def retry_after_seconds(value: str | None) -> float:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), bounded."""
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        seconds = float(value)
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def classify(channel: str, response: httpx.Response) -> None:
    """Raise the error a non-2xx answer means; return for 2xx."""
    if response.is_success:
        return
    detail = clip(response.text.strip().replace("\n", " "), 200)
    message = f"{channel}: HTTP {response.status_code} {detail}".strip()
    if response.status_code == 429:
        raise RateLimited(message, retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code in (408, 425) or response.status_code >= 500:
        raise DeliveryError(message)
    raise PermanentDeliveryError(message)


@dataclass
class HttpChannel(ABC):
    """A channel that takes one JSON POST per alert; each subclass lays out its own body."""

    url: str
    http: httpx.AsyncClient
    bucket: Bucket
    name: str

    @abstractmethod
    def render(self, alert: Alert, assessment: Assessment) -> dict[str, Any]:
        """The JSON body of one alert."""

    @staticmethod
    @abstractmethod
    def render_digest(d: Digest) -> dict[str, Any]:
        """The JSON body of a daily digest."""

    def headers(self, key: str, body: bytes) -> dict[str, str]:
        """Headers of one POST; ``key`` is the notification's (or digest's) stable id."""
        # Receivers that deduplicate (Svix-style gateways, our own consumers) use it;
        # Slack and Teams ignore it.
        return {"Content-Type": "application/json", "Idempotency-Key": key}

    async def send(self, alert: Alert, assessment: Assessment) -> None:
        await self._post(self.render(alert, assessment), alert.notification_key, alert.trace_id)

    async def send_digest(self, digest: Digest) -> None:
        await self._post(self.render_digest(digest), digest.key, "")

    async def _post(self, doc: dict[str, Any], key: str, trace_id: str) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode()
        headers = self.headers(key, body)
        if trace_id:
            headers["X-Radar-Trace-Id"] = trace_id
        try:
            response = await self.http.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"{self.name}: timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise DeliveryError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        classify(self.name, response)


@dataclass
class ChatChannel(HttpChannel):
    """A chat webhook: what it shows depends on the alert alone."""

    @staticmethod
    @abstractmethod
    def layout(alert: Alert) -> dict[str, Any]:
        """The chat message of one alert."""

    def render(self, alert: Alert, assessment: Assessment) -> dict[str, Any]:
        return self.layout(alert)


@dataclass
class SlackChannel(ChatChannel):
    """A Slack incoming webhook: Block Kit."""

    name: str = "slack"
    layout = staticmethod(render_slack)
    render_digest = staticmethod(render_digest_slack)


@dataclass
class TeamsChannel(ChatChannel):
    """A Teams Workflows webhook: an Adaptive Card."""

    name: str = "teams"
    layout = staticmethod(render_teams)
    render_digest = staticmethod(render_digest_teams)


@dataclass
class WebhookChannel(HttpChannel):
    """Any endpoint: the assessment as JSON, signed with Standard Webhooks when a secret is set."""

    name: str = "webhook"
    signer: Webhook | None = None
    render_digest = staticmethod(render_digest_webhook)

    def render(self, alert: Alert, assessment: Assessment) -> dict[str, Any]:
        return render_webhook(alert, assessment)

    def headers(self, key: str, body: bytes) -> dict[str, str]:
        headers = super().headers(key, body)
        if self.signer is not None:
            now = datetime.now(UTC)
            headers["webhook-id"] = key
            headers["webhook-timestamp"] = str(int(now.timestamp()))
            headers["webhook-signature"] = self.signer.sign(key, now, body.decode())
        return headers


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://user:pass@host:25``, ``smtps://host:465``, ``smtp://host:587?starttls=true``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("RADAR_SMTP_URL must look like smtp://[user:pass@]host[:port]")
    tls = parts.scheme == "smtps"
    query = parse_qs(parts.query)
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=tls,
        starttls=query.get("starttls", ["false"])[0].lower() == "true",
    )


@dataclass
class EmailChannel:
    """Plain-text e-mail over SMTP, for teams without chat."""

    target: SmtpTarget
    sender: str
    recipients: list[str]
    bucket: Bucket
    timeout: float
    name: str = "email"

    def message(self, subject: str, text: str, key: str) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = clip(f"[Radar] {subject}", 200)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(usegmt=True)
        # Stable per notification so that mail systems can recognise a repeat.
        msg["Message-ID"] = make_msgid(idstring=key, domain="radar.invalid")
        msg.set_content(text)
        return msg

    def _send_blocking(self, msg: EmailMessage) -> None:
        t = self.target
        smtp: smtplib.SMTP
        if t.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                t.host, t.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
        with smtp:
            if t.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if t.username:
                smtp.login(t.username, t.password or "")
            smtp.send_message(msg)

    async def send(self, alert: Alert, assessment: Assessment) -> None:
        msg = self.message(alert.headline, render_text(alert), alert.notification_key)
        msg["X-Radar-Trace-Id"] = alert.trace_id
        await self._deliver(msg)

    async def send_digest(self, digest: Digest) -> None:
        await self._deliver(self.message(digest.title, render_digest_text(digest), digest.key))

    async def _deliver(self, msg: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._send_blocking, msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError(f"email: recipients refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            text = f"email: SMTP {exc.smtp_code} {exc.smtp_error!r}"
            if 500 <= exc.smtp_code < 600:
                raise PermanentDeliveryError(text) from exc
            raise DeliveryError(text) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"email: {type(exc).__name__}: {exc}") from exc


@dataclass
class LogChannel:
    """No channel configured: the alert is written to the log (the terminal of ``make run``)."""

    bucket: Bucket
    name: str = "log"

    async def send(self, alert: Alert, assessment: Assessment) -> None:
        log.warning("ALERT\n%s", render_text(alert))

    async def send_digest(self, digest: Digest) -> None:
        log.warning("DIGEST\n%s", render_digest_text(digest))


def build_channels(settings: NotifierSettings, http: httpx.AsyncClient) -> dict[str, Channel]:
    """The enabled channels, by name."""
    s = settings
    channels: dict[str, Channel] = {}
    if s.slack_webhook_url is not None:
        url = s.slack_webhook_url.get_secret_value()
        bucket = Bucket(destination_key("slack", url), s.slack.rate_per_second, s.slack.burst)
        channels["slack"] = SlackChannel(url, http, bucket)
    if s.teams_webhook_url is not None:
        url = s.teams_webhook_url.get_secret_value()
        bucket = Bucket(destination_key("teams", url), s.teams.rate_per_second, s.teams.burst)
        channels["teams"] = TeamsChannel(url, http, bucket)
    if s.webhook_url:
        secret = s.webhook_signing_secret
        signer = Webhook(secret.get_secret_value()) if secret is not None else None
        bucket = Bucket(
            destination_key("webhook", s.webhook_url), s.webhook.rate_per_second, s.webhook.burst
        )
        channels["webhook"] = WebhookChannel(s.webhook_url, http, bucket, signer=signer)
    if s.smtp_url is not None:
        url = s.smtp_url.get_secret_value()
        bucket = Bucket(destination_key("email", url), s.smtp.rate_per_second, s.smtp.burst)
        recipients = [r.strip() for r in s.smtp_to.split(",") if r.strip()]
        channels["email"] = EmailChannel(
            parse_smtp_url(url), s.smtp_from, recipients, bucket, s.http_timeout_seconds
        )
    if not channels:
        channels["log"] = LogChannel(Bucket("log", 1000.0, 1000))
    return channels
