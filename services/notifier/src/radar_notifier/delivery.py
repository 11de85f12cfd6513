"""Sending one notification: rate limit, lease check, bounded retries with backoff and jitter.

Retries within one delivery are bounded by attempts and by a time budget, so a channel that
keeps failing gives up quickly and lets JetStream redeliver the message later instead of
holding it (and the lease) for minutes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from radar_notifier import metrics
from radar_notifier.channels import Channel, DeliveryError, PermanentDeliveryError, RateLimited
from radar_notifier.ratelimit import RateLimiter
from radar_notifier.settings import NotifierSettings

log = logging.getLogger(__name__)
Outcome = Literal["sent", "failed", "dead", "lost", "cancelled"]

STOP_REASONS = {
    "lost": "lease taken over by another sender",
    "cancelled": "task cancelled before sending",
}


@dataclass(frozen=True)
class Attempted:
    """What came of sending one notification in this delivery."""

    outcome: Outcome
    attempts: int
    error: str | None = None


def backoff(settings: NotifierSettings, retry: int) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(max, base * 2**retry)]."""
    ceiling = min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2.0**retry)
    return random.uniform(0.0, ceiling)  # noqa: S311 - jitter, not cryptography


async def attempt_delivery(
    channel: Channel,
    send: Callable[[], Awaitable[None]],
    *,
    limiter: RateLimiter,
    settings: NotifierSettings,
    clear_to_send: Callable[[], Awaitable[Outcome | None]],
) -> Attempted:
    """Run ``send`` (one request to ``channel``) until it succeeds or the bounds are hit.

    At most ``settings.send_attempts`` tries within ``settings.send_budget_seconds``.

    ``clear_to_send`` runs right before each request: it renews the lease and checks the task;
    when it names a reason (``lost``: another sender took over; ``cancelled``) nothing is sent.
    """
    name = channel.name
    deadline = time.monotonic() + settings.send_budget_seconds
    attempts = 0
    error: str | None = None
    while attempts < settings.send_attempts:
        stopped = await clear_to_send()
        if stopped is not None:
            return Attempted(stopped, attempts, STOP_REASONS.get(stopped, stopped))
        remaining = deadline - time.monotonic()
        waited = await limiter.acquire(channel.bucket, max_wait=max(0.0, remaining))
        if waited is None:
            reason = f"{name}: rate limit would delay past this delivery's budget"
            return Attempted(
                "failed", attempts, f"{reason}; last error: {error}" if error else reason
            )
        if waited:
            metrics.RATE_LIMIT_WAIT.labels(name).inc(waited)
            # The wait may have been long: look again (the lease was renewed for longer).
            stopped = await clear_to_send()
            if stopped is not None:
                await limiter.give_back(channel.bucket)
                return Attempted(stopped, attempts, STOP_REASONS.get(stopped, stopped))
        attempts += 1
        try:
            await send()
        except PermanentDeliveryError as exc:
            return Attempted("dead", attempts, str(exc))
        except RateLimited as exc:
            metrics.HTTP_429.labels(name).inc()
            error = f"{exc} (Retry-After {exc.retry_after:g}s)"
            await limiter.block(channel.bucket, exc.retry_after)
        except DeliveryError as exc:
            error = str(exc)
            pause = min(backoff(settings, attempts - 1), max(0.0, deadline - time.monotonic()))
            if attempts < settings.send_attempts and pause > 0:
                await asyncio.sleep(pause)
        else:
            return Attempted("sent", attempts)
        log.info("%s: attempt %d failed: %s", name, attempts, error)
        if attempts < settings.send_attempts and time.monotonic() < deadline:
            metrics.RETRIES.labels(name).inc()
    return Attempted("failed", attempts, error)
