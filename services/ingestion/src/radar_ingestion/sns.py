"""Amazon SNS: message signature verification and subscription confirmation.

SES delivers received mail through SNS. Every SNS message is signed with an RSA key whose
certificate SNS serves at ``SigningCertURL``; that URL, and the ``SubscribeURL`` of a
subscription confirmation, are fetched only over https, on port 443, from hosts matching
``sns.<region>.amazonaws.com`` — otherwise anyone could sign with a certificate of their own.
Certificates are cached by URL.

Before any certificate is fetched, the cheap checks: the topic is on the allowlist (when one is
configured), the message's ``Timestamp`` is within ``max_age`` seconds of now (the signature
covers it; SNS keeps the original timestamp across its retries), and SignatureVersion 1 (SHA1)
is refused unless enabled — SNS topics sign with SHA256 once their ``SignatureVersion``
attribute is 2.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from radar_ingestion.auth import SignatureError, StaleSignature

Fetcher = Callable[[str], Awaitable[bytes]]
MESSAGE_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
_NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_SUBSCRIPTION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_CACHE_SIZE = 64


class SnsFetchError(RuntimeError):
    """The signing certificate or SubscribeURL could not be fetched (try again later)."""


class TopicNotAllowed(SignatureError):
    """The message comes from a topic outside the configured allowlist."""


def _timestamp(message: Mapping[str, Any]) -> float:
    raw = str(message.get("Timestamp", ""))
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise SignatureError("the SNS Timestamp is not an ISO 8601 time") from exc


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    """The canonical text SNS signs: ``name\\nvalue\\n`` for each signed field present."""
    fields = _NOTIFICATION_FIELDS if message.get("Type") == "Notification" else _SUBSCRIPTION_FIELDS
    parts = []
    for name in fields:
        value = message.get(name)
        if value is None:
            continue
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode()


class SnsVerifier:
    """Verifies SNS signatures and confirms subscriptions, fetching only from allowed hosts."""

    def __init__(
        self,
        host_pattern: str,
        *,
        allow_http: bool = False,
        topic_arns: Iterable[str] = (),
        max_age: float = 3600,
        allow_sha1: bool = False,
        fetch: Fetcher | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._host = re.compile(host_pattern)
        self._allow_http = allow_http
        self._topics = frozenset(topic_arns)
        self._max_age = max_age
        self._allow_sha1 = allow_sha1
        self._fetch = fetch or self._http_get
        self._timeout = timeout
        self._keys: dict[str, rsa.RSAPublicKey] = {}

    def check_url(self, url: str) -> None:
        """Refuse a URL that is not https on an allowed SNS host.

        Raises:
            SignatureError: the URL may not be fetched.
        """
        parts = urlsplit(url)
        schemes = ("https", "http") if self._allow_http else ("https",)
        if parts.scheme not in schemes or not self._host.match(parts.hostname or ""):
            raise SignatureError(f"refusing to fetch from {parts.scheme}://{parts.hostname}")
        if parts.username or parts.password:
            raise SignatureError("refusing a URL with credentials")
        try:
            port = parts.port
        except ValueError as exc:
            raise SignatureError("refusing a URL with an invalid port") from exc
        if port not in (None, 443) and not self._allow_http:
            raise SignatureError(f"refusing port {port}: SNS serves on 443 only")

    async def _http_get(self, url: str) -> bytes:
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
                answer = await client.get(url)
                answer.raise_for_status()
                return answer.content
        except httpx.HTTPError as exc:
            raise SnsFetchError(f"GET {url} failed: {exc!r}") from exc

    async def _public_key(self, url: str) -> rsa.RSAPublicKey:
        key = self._keys.get(url)
        if key is not None:
            return key
        self.check_url(url)
        try:
            cert = x509.load_pem_x509_certificate(await self._fetch(url))
        except ValueError as exc:
            raise SignatureError("the signing certificate is not a PEM certificate") from exc
        public = cert.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise SignatureError("the signing certificate has no RSA key")
        if len(self._keys) >= _CACHE_SIZE:
            self._keys.pop(next(iter(self._keys)))
        self._keys[url] = public
        return public

    def check_message(self, message: Mapping[str, Any]) -> hashes.HashAlgorithm:
        """The checks that need no certificate; returns the signature's hash algorithm.

        Raises:
            TopicNotAllowed: a topic outside the allowlist.
            StaleSignature: the Timestamp is more than ``max_age`` seconds from now.
            SignatureError: unknown type or SignatureVersion, SHA1 while disabled.
        """
        if message.get("Type") not in MESSAGE_TYPES:
            raise SignatureError(f"unknown SNS message type {message.get('Type')!r}")
        topic = str(message.get("TopicArn", ""))
        if self._topics and topic not in self._topics:
            raise TopicNotAllowed(f"topic {topic!r} is not in RADAR_SNS_TOPIC_ARNS")
        version = str(message.get("SignatureVersion", ""))
        if version == "1" and not self._allow_sha1:
            raise SignatureError(
                "SignatureVersion 1 (SHA1) is disabled: set the topic's SignatureVersion "
                "attribute to 2, or RADAR_SNS_ALLOW_SHA1=true"
            )
        if version not in ("1", "2"):
            raise SignatureError(f"unsupported SignatureVersion {version!r}")
        age = time.time() - _timestamp(message)
        if not abs(age) <= self._max_age:
            raise StaleSignature(f"the SNS message is {age:.0f} s away from now")
        # SNS SignatureVersion 1 is defined as SHA1 (allowed here only when enabled).
        return hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303

    async def verify(self, message: Mapping[str, Any]) -> None:
        """Check an SNS message: :meth:`check_message`, then its signature.

        Raises:
            SignatureError: unsigned, badly signed, stale, from a topic or with an algorithm
                not allowed, or signed by a certificate we may not use.
            SnsFetchError: the certificate could not be fetched now.
        """
        algorithm = self.check_message(message)
        try:
            signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
        except binascii.Error as exc:
            raise SignatureError("the signature is not base64") from exc
        key = await self._public_key(str(message.get("SigningCertURL", "")))
        try:
            key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm)
        except InvalidSignature as exc:
            raise SignatureError("the SNS signature does not match") from exc

    async def confirm(self, message: Mapping[str, Any]) -> None:
        """Confirm a subscription by visiting its SubscribeURL (same host rule)."""
        url = str(message.get("SubscribeURL", ""))
        self.check_url(url)
        await self._fetch(url)
