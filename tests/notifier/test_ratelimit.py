"""Token buckets shared through PostgreSQL: reservations queue, Retry-After blocks everyone."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from radar_notifier.ratelimit import Bucket, RateLimiter, destination_key

pytestmark = pytest.mark.integration


async def test_reservations_queue_behind_the_burst(pool: asyncpg.Pool) -> None:
    bucket = Bucket("slack:x", rate=1.0, burst=2)
    # Two "replicas" sharing the database see one bucket.
    a, b = RateLimiter(pool), RateLimiter(pool)
    waits = [await (a if i % 2 else b).reserve(bucket) for i in range(6)]
    assert waits[:2] == [0.0, 0.0]
    for i in range(2, 6):
        # (i - 1) seconds, less what refilled between the calls on a busy machine.
        assert i - 1 - 0.25 <= waits[i] <= i - 1 + 0.001


async def test_acquire_spaces_sends_at_the_rate(pool: asyncpg.Pool) -> None:
    bucket = Bucket("teams:x", rate=20.0, burst=1)
    limiter = RateLimiter(pool)
    started = time.monotonic()
    done: list[float] = []

    async def one() -> None:
        assert await limiter.acquire(bucket, max_wait=5.0) is not None
        done.append(time.monotonic() - started)

    await asyncio.gather(*(one() for _ in range(6)))
    done.sort()
    # Waits are never cut short (a busy machine only makes them later): the k-th send cannot
    # start before k / rate seconds.
    for k, at in enumerate(done):
        assert at >= k / 20 - 0.005, (k, done)


async def test_retry_after_blocks_and_unwanted_tokens_are_given_back(pool: asyncpg.Pool) -> None:
    bucket = Bucket("slack:y", rate=1.0, burst=3)
    limiter = RateLimiter(pool)
    await limiter.block(bucket, 2.0)
    assert 2.8 <= await limiter.reserve(bucket) <= 3.01
    assert await limiter.acquire(bucket, max_wait=1.0) is None  # would wait 4 s: given back
    # 4 s less what refilled meanwhile (a slow machine may take a moment between the calls).
    assert 3.5 <= await limiter.reserve(bucket) <= 4.01


def test_destination_keys_hide_the_url() -> None:
    key = destination_key("slack", "https://hooks.slack.com/services/T/B/secret")
    assert key.startswith("slack:")
    assert "secret" not in key
