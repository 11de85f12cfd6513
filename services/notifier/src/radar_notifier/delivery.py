"""Sending one notification: rate limit, lease check, bounded retries with backoff and jitter.

Retries within one delivery are bounded by attempts and by a time budget, so a channel that
keeps failing gives up quickly and lets JetStream redeliver the message later instead of
holding it (and the lease) for minutes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

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


def _wait(settings: NotifierSettings, deadline: float) -> Callable[[RetryCallState], float]:
    """Full-jitter exponential backoff after a transient failure, never past the budget.

    After a 429 there is no backoff: the rate limiter's bucket is blocked for the receiver's
    ``Retry-After`` and the next token waits for it.
    """
    jitter = wait_random_exponential(
        multiplier=settings.backoff_base_seconds, max=settings.backoff_max_seconds
    )

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, RateLimited):
            return 0.0
        return min(jitter(state), max(0.0, deadline - time.monotonic()))

    return wait


def _note_retry(channel: str) -> Callable[[RetryCallState], None]:
    def note(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        log.info("%s: attempt %d failed: %s", channel, state.attempt_number, failure)
        metrics.RETRIES.labels(channel).inc()

    return note


class _Stopped(Exception):
    """Nothing more may be sent in this delivery (the lease is lost, the task cancelled...)."""

    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome


async def attempt_delivery(
    channel: Channel,
    send: Callable[[], Awaitable[None]],
    *,
    limiter: RateLimiter,
    settings: NotifierSettings,
    clear_to_send: Callable[[], Awaitable[Outcome | None]],
) -> Attempted:
    """Run ``send`` (one request to ``channel``) until it succeeds or the bounds are hit.

    At most ``settings.send_attempts`` tries within ``settings.send_budget_seconds``
    (tenacity: transient failures are retried, a permanent refusal is not).

    ``clear_to_send`` runs right before each request: it renews the lease and checks the task;
    when it names a reason (``lost``: another sender took over; ``cancelled``) nothing is sent.
    """
    name = channel.name
    deadline = time.monotonic() + settings.send_budget_seconds
    last_error: str | None = None

    async def one_try() -> None:
        stopped = await clear_to_send()
        if stopped is not None:
            raise _Stopped(stopped, STOP_REASONS.get(stopped, stopped))
        waited = await limiter.acquire(
            channel.bucket, max_wait=max(0.0, deadline - time.monotonic())
        )
        if waited is None:
            reason = f"{name}: rate limit would delay past this delivery's budget"
            raise _Stopped(
                "failed", f"{reason}; last error: {last_error}" if last_error else reason
            )
        if waited:
            metrics.RATE_LIMIT_WAIT.labels(name).inc(waited)
            # The wait may have been long: look again (the lease was renewed for longer).
            stopped = await clear_to_send()
            if stopped is not None:
                await limiter.give_back(channel.bucket)
                raise _Stopped(stopped, STOP_REASONS.get(stopped, stopped))
        try:
            await send()
        except RateLimited as exc:
            metrics.HTTP_429.labels(name).inc()
            await limiter.block(channel.bucket, exc.retry_after)
            raise RateLimited(f"{exc} (Retry-After {exc.retry_after:g}s)", exc.retry_after) from exc

    retrying = AsyncRetrying(
        stop=stop_after_attempt(settings.send_attempts)
        | stop_after_delay(settings.send_budget_seconds),
        wait=_wait(settings, deadline),
        retry=retry_if_exception_type(DeliveryError),
        before_sleep=_note_retry(name),
        reraise=True,
    )
    attempts = 0
    try:
        async for attempt in retrying:
            with attempt:
                attempts = attempt.retry_state.attempt_number
                try:
                    await one_try()
                except DeliveryError as exc:
                    last_error = str(exc)
                    raise
    except _Stopped as stop:
        # The try that was stopped sent nothing.
        return Attempted(stop.outcome, attempts - 1, str(stop))
    except PermanentDeliveryError as exc:
        return Attempted("dead", attempts, str(exc))
    except DeliveryError as exc:
        return Attempted("failed", attempts, str(exc))
    return Attempted("sent", attempts)
