"""Who may call: API keys with scopes, Standard Webhooks signatures and Mailgun signatures.

Every secret is compared in constant time, and every configured key is compared (no early
exit), so neither the position of a key in the list nor a matching prefix shows in the timing.

``RADAR_API_KEYS`` and its scopes: :mod:`radar_common.api_keys`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from radar_common.api_keys import ApiKey

log = logging.getLogger(__name__)

WEBHOOK_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class SignatureError(ValueError):
    """A signature is missing, wrong or outside its time window."""


class StaleSignature(SignatureError):
    """A correctly signed request whose timestamp is outside the allowed window."""


class Authenticator:
    """Checks the credentials of one request against the configured secrets."""

    def __init__(
        self, api_keys: list[ApiKey], webhook_secret: str = "", *, tolerance: float = 300
    ) -> None:
        self._keys = [(k.key.encode(), k.scopes) for k in api_keys]
        self._webhook = Webhook(webhook_secret) if webhook_secret else None
        self.tolerance = tolerance
        unscoped = sum(k.unscoped for k in api_keys)
        if unscoped:
            log.warning(
                "RADAR_API_KEYS: %d key(s) without scopes may do everything (ingest, read, "
                "admin); give each key only what it needs: key:ingest;key2:read,admin",
                unscoped,
            )

    @property
    def accepts_signatures(self) -> bool:
        return self._webhook is not None

    def key_scopes(self, offered: str | None) -> frozenset[str] | None:
        """The scopes of ``offered`` when it is a configured key, else None."""
        if not offered:
            return None
        candidate = offered.encode()
        found: frozenset[str] | None = None
        for key, scopes in self._keys:
            if hmac.compare_digest(candidate, key):
                found = scopes
        return found

    def key_ok(self, offered: str | None) -> bool:
        """True when ``offered`` is one of the configured API keys."""
        return self.key_scopes(offered) is not None

    def check_webhook_timestamp(self, headers: Mapping[str, str]) -> datetime:
        """The `webhook-timestamp`, if within ``tolerance`` seconds of now.

        Checked before the body is read, and here rather than in the library, whose window is
        a fixed 5 minutes: RADAR_SIGNATURE_TOLERANCE_SECONDS applies to every signature.

        Raises:
            SignatureError: the header is missing or not a number.
            StaleSignature: the timestamp is outside the window.
        """
        raw = headers.get("webhook-timestamp", "")
        try:
            at = float(raw)
        except ValueError as exc:
            raise SignatureError("webhook-timestamp is not a number") from exc
        age = time.time() - at
        if not abs(age) <= self.tolerance:  # also refuses nan
            raise StaleSignature(f"the webhook timestamp is {age:.0f} s away from now")
        return datetime.fromtimestamp(int(at), tz=UTC)

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Verify a Standard Webhooks signature (any of several `v1,` entries).

        The library computes the signature; the timestamp window is ours
        (:meth:`check_webhook_timestamp`).

        Raises:
            SignatureError: no secret configured, headers missing, or no signature matches.
            StaleSignature: the timestamp is outside the window.
        """
        if self._webhook is None:
            raise SignatureError("webhook signatures are not configured")
        at = self.check_webhook_timestamp(headers)
        msg_id = headers.get("webhook-id", "")
        try:
            expected = self._webhook.sign(msg_id, at, body.decode())
        except UnicodeDecodeError as exc:
            raise SignatureError("the signed body is not UTF-8") from exc
        expected_mac = base64.b64decode(expected.partition(",")[2])
        matched = False
        for entry in headers.get("webhook-signature", "").split():
            version, _, encoded = entry.partition(",")
            if version != "v1":
                continue
            try:
                offered = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                continue
            matched |= hmac.compare_digest(expected_mac, offered)
        if not matched:
            raise SignatureError("no webhook signature matches")


def offered_key(headers: Mapping[str, str]) -> str | None:
    """The API key a request offers: Bearer token, `X-API-Key`, or basic-auth password."""
    header_key = headers.get("x-api-key")
    if header_key:
        return header_key
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip() or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, _, password = decoded.partition(":")
        # Providers take `https://user:key@host/...`; a lone `key@host` arrives as the user.
        return password or user or None
    return None


def has_webhook_signature(headers: Mapping[str, str]) -> bool:
    return all(headers.get(name) for name in WEBHOOK_HEADERS)


def verify_mailgun(
    signing_key: str, timestamp: str, token: str, signature: str, *, tolerance: float
) -> None:
    """Verify Mailgun's `signature` = hex HMAC-SHA256(signing key, timestamp + token).

    Raises:
        SignatureError: the signature does not match.
        StaleSignature: the timestamp is outside ``tolerance`` seconds from now.
    """
    expected = hmac.new(
        signing_key.encode(), (timestamp + token).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise SignatureError("the Mailgun signature does not match")
    try:
        age = time.time() - float(timestamp)
    except ValueError as exc:
        raise StaleSignature("the Mailgun timestamp is not a number") from exc
    if abs(age) > tolerance:
        raise StaleSignature(f"the Mailgun timestamp is {age:.0f} s away from now")
