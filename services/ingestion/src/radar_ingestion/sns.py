"""Amazon SNS: message signature verification and subscription confirmation.

SES delivers received mail through SNS. Every SNS message is signed with an RSA key whose
certificate SNS serves at ``SigningCertURL``; that URL, and the ``SubscribeURL`` of a
subscription confirmation, are fetched only over https from hosts matching
``sns.<region>.amazonaws.com`` — otherwise anyone could sign with a certificate of their own.
Certificates are cached by URL.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from radar_ingestion.auth import SignatureError

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
        fetch: Fetcher | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._host = re.compile(host_pattern)
        self._allow_http = allow_http
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

    async def verify(self, message: Mapping[str, Any]) -> None:
        """Check the signature of an SNS message (SignatureVersion 1 = SHA1, 2 = SHA256).

        Raises:
            SignatureError: unsigned, badly signed, or signed by a certificate we may not use.
            SnsFetchError: the certificate could not be fetched now.
        """
        version = str(message.get("SignatureVersion", ""))
        algorithm: hashes.HashAlgorithm
        if version == "1":
            algorithm = hashes.SHA1()  # noqa: S303 - SNS SignatureVersion 1 is defined as SHA1
        elif version == "2":
            algorithm = hashes.SHA256()
        else:
            raise SignatureError(f"unsupported SignatureVersion {version!r}")
        if message.get("Type") not in MESSAGE_TYPES:
            raise SignatureError(f"unknown SNS message type {message.get('Type')!r}")
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
