"""Ingestion settings (env prefix RADAR_).

The settings refuse to build with no way to authenticate callers (no API key and no webhook
secret) unless ``RADAR_AUTH_DISABLED=true`` says so explicitly: an open ingestion door is never
the result of a forgotten variable.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from radar_common.api_keys import ApiKey, parse_api_keys
from radar_common.settings import BacklogSettings

# SNS signs with a certificate served from its regional endpoint, e.g. sns.eu-west-1.amazonaws.com.
SNS_CERT_HOST_PATTERN = r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"


class IngestionSettings(BacklogSettings):
    service_name: str = "ingestion"
    http_port: int = 8080
    # API keys with scopes, `key:ingest;key2:read,admin` (radar_ingestion.auth); callers send
    # `Authorization: Bearer <key>`, `X-API-Key: <key>` or HTTP basic auth with the key as
    # password (providers that only take a URL). A key without scopes may do everything.
    api_keys: str = ""
    # Standard Webhooks secret (`whsec_<base64>`); JSON endpoints accept a valid signature.
    webhook_secret: str = ""
    # Mailgun's HTTP webhook signing key: POST /v1/ingest/mailgun verifies every signature.
    mailgun_signing_key: str = ""
    auth_disabled: bool = False
    idempotency_window_seconds: float = Field(default=7 * 24 * 3600, gt=0)
    publish_timeout_seconds: float = Field(default=2.0, gt=0)
    # The whole acceptance (idempotency marker, task, publish) must finish within this, or the
    # caller gets 503: webhook senders give up after about 10 s.
    accept_timeout_seconds: float = Field(default=5.0, gt=0)
    task_retention_seconds: float = Field(default=30 * 24 * 3600, gt=0)
    max_body_bytes: int = Field(default=30 * 1024 * 1024, gt=0)
    # Forms (SendGrid, Mailgun): at most this many text fields and files in one delivery.
    form_max_fields: int = Field(default=100, ge=10)
    form_max_files: int = Field(default=50, ge=1)
    # A form part larger than this waits in a temporary file, not in memory, and a file that
    # large is streamed to the object store from there.
    form_spool_bytes: int = Field(default=256 * 1024, ge=4096)
    # The most of a body read before its credential is verified: a Standard Webhooks-signed
    # body (Content-Length), or a Mailgun form up to its signature fields. More: 413.
    preauth_max_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    # Bodies and attachments above this travel through the JetStream Object Store by name
    # (the default max_payload of a JetStream message is 1 MB).
    inline_max_bytes: int = Field(default=512 * 1024, gt=0)
    # How long a stored blob is kept; at least as long as the raw events stream keeps messages.
    blob_retention_seconds: float = Field(default=14 * 24 * 3600, gt=0)
    # Mailgun and Standard Webhooks timestamps older (or newer) than this are refused.
    signature_tolerance_seconds: float = Field(default=300, gt=0)
    # Hosts SNS signing certificates and SubscribeURLs may come from (https only).
    sns_host_pattern: str = SNS_CERT_HOST_PATTERN
    # Test-only: also allow plain http and any port for SNS URLs (a loopback test server).
    sns_allow_http: bool = False
    # Comma-separated TopicArns whose messages are accepted; empty = any topic.
    sns_topic_arns: str = ""
    # An SNS message whose Timestamp is further from now is refused (SNS keeps the original
    # Timestamp across retries: keep this above the subscription's retry span).
    sns_max_age_seconds: float = Field(default=3600, gt=0)
    # SignatureVersion 1 signs with SHA1: refused unless enabled (set the topic's
    # SignatureVersion attribute to 2 instead).
    sns_allow_sha1: bool = False
    retry_after_seconds: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _refuse_open_door(self) -> Self:
        self.api_key_entries()  # a malformed entry or unknown scope refuses to start
        if not (self.api_key_entries() or self.webhook_secret or self.auth_disabled):
            raise ValueError(
                "no credentials configured: set RADAR_API_KEYS or RADAR_WEBHOOK_SECRET "
                "(or RADAR_AUTH_DISABLED=true to run without authentication on purpose)"
            )
        return self

    def sns_topics(self) -> list[str]:
        return [t.strip() for t in self.sns_topic_arns.split(",") if t.strip()]

    def api_key_entries(self) -> list[ApiKey]:
        return parse_api_keys(self.api_keys)
