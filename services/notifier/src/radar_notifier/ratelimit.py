"""Token buckets per destination, kept in PostgreSQL so that every replica shares them.

Each send reserves a token with one atomic upsert: the bucket refills at ``rate`` per second up
to ``burst``, then gives one token; a negative balance says how long the caller must wait for
its turn (reservations queue up fairly across replicas). A 429's ``Retry-After`` empties the
bucket below zero, so every replica holds off until then. The database clock is the only clock.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Bucket:
    """A destination's limit: ``rate`` sends per second with bursts of ``burst``."""

    destination: str
    rate: float
    burst: int


def destination_key(channel: str, url: str) -> str:
    """Bucket name for a destination; the URL is hashed (webhook URLs are secrets)."""
    return f"{channel}:{hashlib.sha256(url.encode()).hexdigest()[:16]}"


class RateLimiter:
    """Reserve, give back and block tokens of shared buckets."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def reserve(self, bucket: Bucket) -> float:
        """Take a token; return the seconds to wait before using it (0 when one was free)."""
        tokens = await self.pool.fetchval(
            """
            INSERT INTO notifier_rate_buckets AS b (destination, tokens, updated_at)
            VALUES ($1, $3::float8 - 1, clock_timestamp())
            ON CONFLICT (destination) DO UPDATE
               SET tokens = LEAST($3::float8, b.tokens + $2::float8
                                  * EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)) - 1,
                   updated_at = clock_timestamp()
            RETURNING tokens
            """,
            bucket.destination,
            bucket.rate,
            bucket.burst,
        )
        return max(0.0, -float(tokens) / bucket.rate)

    async def give_back(self, bucket: Bucket) -> None:
        """Return an unused token (the caller decided not to wait for it)."""
        await self.pool.execute(
            """
            UPDATE notifier_rate_buckets AS b
               SET tokens = LEAST($3::float8, b.tokens + 1 + $2::float8
                                  * EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at)),
                   updated_at = clock_timestamp()
             WHERE destination = $1
            """,
            bucket.destination,
            bucket.rate,
            bucket.burst,
        )

    async def block(self, bucket: Bucket, seconds: float) -> None:
        """Let nobody send to the destination for ``seconds`` (a 429's Retry-After)."""
        await self.pool.execute(
            """
            INSERT INTO notifier_rate_buckets AS b (destination, tokens, updated_at)
            VALUES ($1, -$4::float8 * $2::float8, clock_timestamp())
            ON CONFLICT (destination) DO UPDATE
               SET tokens = LEAST($3::float8,
                                  b.tokens + $2::float8
                                  * EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at),
                                  -$4::float8 * $2::float8),
                   updated_at = clock_timestamp()
            """,
            bucket.destination,
            bucket.rate,
            bucket.burst,
            seconds,
        )

    async def acquire(self, bucket: Bucket, *, max_wait: float) -> float | None:
        """Wait for a token; None (token given back) when that would take over ``max_wait``."""
        wait = await self.reserve(bucket)
        if wait > max_wait:
            await self.give_back(bucket)
            return None
        if wait > 0:
            await asyncio.sleep(wait)
        return wait
