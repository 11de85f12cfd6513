"""HTTP as the providers speak it: status codes to :class:`SourceError` kinds, tokens, quotas.

Every adapter sends through :class:`Http`, so that a network error, a 429 with ``Retry-After``,
a refused credential and an outage mean the same thing whichever provider answered.

The client is aiohttp: a cycle over a large catalog makes one request per part at Digi-Key, and
aiohttp costs about a fifth of httpx's CPU per request (measured by ``bench/watcher_bench.py``).
Each source has a session of its own, so cookies (SiliconExpert's session) never cross
providers.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp
import orjson

from radar_watcher.sources.protocol import (
    AuthRefused,
    RateLimited,
    SourceError,
    SourceUnavailable,
)

DEFAULT_RETRY_AFTER = 30.0
USER_AGENT = "obsolescence-radar-watcher"


@dataclass(frozen=True)
class Reply:
    """A provider's whole answer: status, headers and body."""

    status_code: int
    headers: Mapping[str, str]  # aiohttp's, looked up case-insensitively
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return orjson.loads(self.content)


class Http:
    """One provider's HTTP session (connection pool and cookie jar)."""

    def __init__(self, source: str, timeout_seconds: float) -> None:
        self.source = source
        # unsafe: keep cookies set by a host given as an IP address (a provider on loopback).
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
            headers={"User-Agent": USER_AGENT},
            cookie_jar=aiohttp.CookieJar(unsafe=True),
        )

    async def close(self) -> None:
        await self.session.close()

    async def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request and read its answer; a network failure is
        :class:`SourceUnavailable`."""
        try:
            async with self.session.request(
                method, url, json=json_body, data=form, params=params, headers=headers
            ) as response:
                return Reply(response.status, response.headers, await response.read())
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise SourceUnavailable(f"{self.source} unreachable: {exc!r}") from exc


class HasHeaders(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...


def retry_after_seconds(response: HasHeaders, default: float = DEFAULT_RETRY_AFTER) -> float:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); ``default`` when absent."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def check_status(response: Reply, source: str) -> None:
    """Raise the :class:`SourceError` a non-2xx answer means."""
    status = response.status_code
    if status < 300:
        return
    detail = f"{source} answered {status}: {response.text[:200]}"
    if status in (401, 403):
        raise AuthRefused(detail)
    if status == 429:
        raise RateLimited(detail, retry_after_seconds(response))
    if status >= 500 or status == 408:
        raise SourceUnavailable(detail)
    raise SourceError(detail)


def json_of(response: Reply, source: str) -> Any:
    """The JSON body; an answer that is not JSON is :class:`SourceUnavailable`."""
    try:
        return response.json()
    except ValueError as exc:
        raise SourceUnavailable(f"{source} answered {response.status_code} without JSON") from exc


class ClientCredentials:
    """An OAuth2 client-credentials token, fetched when needed and kept until shortly before
    it expires (providers ask clients not to fetch one per request)."""

    def __init__(
        self,
        http: Http,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str = "",
    ) -> None:
        self.http = http
        self.source = http.source
        self.token_url = token_url
        self.form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        if scope:
            self.form["scope"] = scope
        self._token = ""
        self._expires = 0.0

    async def token(self) -> str:
        if self._token and time.monotonic() < self._expires:
            return self._token
        response = await self.http.request("POST", self.token_url, form=self.form)
        if response.status_code in (400, 401):  # RFC 6749: invalid_client is 400 or 401
            raise AuthRefused(f"{self.source} token refused: {response.text[:200]}")
        check_status(response, self.source)
        body = json_of(response, self.source)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceUnavailable(f"{self.source} token answer has no access_token")
        lifetime = float(body.get("expires_in") or 600)
        self._token = token
        self._expires = time.monotonic() + max(1.0, lifetime - min(60.0, lifetime / 10))
        return token

    def invalidate(self) -> None:
        """Forget the token (the provider refused it): the next call fetches a new one."""
        self._token = ""
        self._expires = 0.0
