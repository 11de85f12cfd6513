"""Sending recorded changes to ingestion, oldest first, until each is accepted.

Each change goes to ``POST /v1/ingest/component-alert`` with its ``change_id`` as the
``Idempotency-Key``: a resend after a crash or a lost answer is a replay of the first task,
never a second alert. 503, 429 and network errors are retried with backoff (``Retry-After``
honoured); a 4xx that can never succeed marks the change ``refused`` with the reason; a refused
API key leaves everything pending (nothing is lost while the key is fixed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from radar_watcher import metrics
from radar_watcher.settings import WatcherSettings
from radar_watcher.sources.http import retry_after_seconds

log = logging.getLogger(__name__)
ENDPOINT = "/v1/ingest/component-alert"
BATCH = 50


class Unavailable(Exception):
    """Ingestion cannot take it now (503, 429, 5xx, network): try again."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class KeyRefused(Exception):
    """Ingestion refused the watcher's API key (401/403): keep the change pending."""


@dataclass(frozen=True)
class Delivered:
    change_id: str
    task_id: str
    replayed: bool


def _wait(fallback: Any) -> Any:
    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Unavailable) and error.retry_after is not None:
            return error.retry_after
        return float(fallback(state))

    return wait


class Courier:
    def __init__(
        self,
        pool: asyncpg.Pool,
        client: httpx.AsyncClient,
        base_url: str,
        api_key: str | None,
        *,
        attempts: int = 6,
        max_wait: float = 30.0,
    ) -> None:
        self.pool = pool
        self.client = client
        self.url = base_url.rstrip("/") + ENDPOINT
        self.headers = {"X-API-Key": api_key} if api_key else {}
        self.attempts = attempts
        self.max_wait = max_wait
        self.wake = asyncio.Event()

    @classmethod
    def from_settings(
        cls, settings: WatcherSettings, pool: asyncpg.Pool, client: httpx.AsyncClient
    ) -> Courier:
        key = settings.watcher_api_key
        return cls(
            pool,
            client,
            settings.ingest_base_url(),
            key.get_secret_value() if key else None,
            attempts=settings.ingest_attempts,
        )

    async def run(self, idle_seconds: float = 5.0) -> None:
        """Deliver whenever changes are recorded (or every ``idle_seconds``), until cancelled."""
        while True:
            try:
                await self.deliver_pending()
            except (Unavailable, KeyRefused, OSError, asyncpg.PostgresError) as exc:
                log.warning("changes not delivered yet: %s", exc)
                await asyncio.sleep(min(self.max_wait, idle_seconds * 6))
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), idle_seconds)

    async def deliver_pending(self) -> list[Delivered]:
        """Send every pending change, oldest first; stops at the first one that must wait."""
        delivered: list[Delivered] = []
        while True:
            rows = await self.pool.fetch(
                "SELECT change_id, payload::text AS payload FROM watcher_changes"
                " WHERE state = 'pending' ORDER BY seq LIMIT $1",
                BATCH,
            )
            if not rows:
                return delivered
            for row in rows:
                result = await self._deliver(row["change_id"], row["payload"])
                if result is not None:
                    delivered.append(result)

    async def _deliver(self, change_id: str, payload: str) -> Delivered | None:
        try:
            response = await self._post_until_answered(change_id, payload)
        except (Unavailable, KeyRefused) as exc:
            metrics.DELIVERIES.labels("failed").inc()
            await self.pool.execute(
                "UPDATE watcher_changes SET attempts = attempts + 1, last_error = $2"
                " WHERE change_id = $1",
                change_id,
                str(exc)[:1000],
            )
            raise
        if response.status_code >= 400:
            metrics.DELIVERIES.labels("refused").inc()
            log.error("ingestion refused change %s: %s", change_id, response.text[:500])
            await self.pool.execute(
                "UPDATE watcher_changes SET state = 'refused', attempts = attempts + 1,"
                " last_error = $2 WHERE change_id = $1",
                change_id,
                f"{response.status_code}: {response.text[:1000]}",
            )
            return None
        task_id = str(response.json().get("task_id") or "")
        replayed = response.headers.get("idempotent-replayed", "").lower() == "true"
        metrics.DELIVERIES.labels("replayed" if replayed else "accepted").inc()
        await self.pool.execute(
            "UPDATE watcher_changes SET state = 'delivered', attempts = attempts + 1,"
            " task_id = $2, delivered_at = now(), last_error = NULL WHERE change_id = $1",
            change_id,
            task_id,
        )
        return Delivered(change_id, task_id, replayed)

    async def _post_until_answered(self, change_id: str, payload: str) -> httpx.Response:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Unavailable),
            wait=_wait(wait_exponential(multiplier=0.5, max=self.max_wait)),
            stop=stop_after_attempt(self.attempts),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._post(change_id, payload)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _post(self, change_id: str, payload: str) -> httpx.Response:
        try:
            response = await self.client.post(
                self.url,
                content=payload,
                headers={
                    **self.headers,
                    "Content-Type": "application/json",
                    "Idempotency-Key": change_id,
                },
            )
        except httpx.TransportError as exc:
            raise Unavailable(f"ingestion unreachable: {exc!r}") from exc
        status = response.status_code
        if status in (401, 403):
            raise KeyRefused(f"ingestion refused the watcher's API key ({status})")
        if status in (408, 429) or status >= 500:
            retry_after = retry_after_seconds(response, -1.0)
            raise Unavailable(
                f"ingestion answered {status}", retry_after if retry_after >= 0 else None
            )
        return response
