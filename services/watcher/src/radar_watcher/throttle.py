"""Staying inside each provider's limits: requests a minute, and a daily or monthly allowance.

Requests are spaced evenly (never bursts: a provider counting any 60 seconds must never see
more than its limit). The allowance is counted in PostgreSQL per calendar window (UTC day, or
month for Nexar's part limit), so a restart does not forget what was spent; a provider's own
count (Digi-Key's ``X-RateLimit-Remaining``) wins when it gives one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from aiolimiter import AsyncLimiter

from radar_watcher.schedule import next_month
from radar_watcher.sources import Limits
from radar_watcher.sources.protocol import QuotaExhausted

# Requests are spaced a little wider than the limit allows, so that timer jitter never puts
# one more request into a provider's window.
SPACING_MARGIN = 1.01


@dataclass(frozen=True)
class Window:
    key: str  # "2026-11-25" or "2026-11"
    ends: datetime
    allowance: int  # 0: not limited


def quota_window(limits: Limits, now: datetime | None = None) -> Window:
    """The allowance window in force at ``now`` (UTC)."""
    now = now or datetime.now(UTC)
    if limits.units_per_month:
        return Window(now.strftime("%Y-%m"), next_month(now), limits.units_per_month)
    day = datetime(now.year, now.month, now.day, tzinfo=UTC)
    return Window(now.strftime("%Y-%m-%d"), day + timedelta(days=1), limits.requests_per_day)


class Throttle:
    """One source's pace and allowance."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        rate = limits.requests_per_minute
        self._pace = AsyncLimiter(1, 60.0 / rate * SPACING_MARGIN) if rate else None

    async def request_slot(self) -> None:
        """Wait until the next request may go."""
        if self._pace is not None:
            await self._pace.acquire()

    async def check_allowance(self, conn: asyncpg.Connection) -> int | None:
        """What is left of the allowance (None: unlimited).

        Raises:
            QuotaExhausted: nothing is left in this window.
        """
        window = quota_window(self.limits)
        if not window.allowance:
            return None
        row = await conn.fetchrow(
            "SELECT quota_window, quota_used, quota_remaining FROM watcher_sources"
            " WHERE source = $1",
            self.source,
        )
        current = row is not None and row["quota_window"] == window.key
        used = int(row["quota_used"]) if row and current else 0
        left = window.allowance - used
        reported = row["quota_remaining"] if row and current else None
        if reported is not None:
            left = min(left, int(reported))
        if left <= 0:
            told = f", the provider reports {reported} left" if reported is not None else ""
            raise QuotaExhausted(
                f"{self.source}: allowance used up until {window.ends:%Y-%m-%d %H:%M} UTC"
                f" ({used} of {window.allowance} spent{told})",
                window.ends,
            )
        return left


async def spend(
    conn: asyncpg.Connection, source: str, limits: Limits, units: int, remaining: int | None
) -> None:
    """Add ``units`` to the window's count (a new window starts from zero)."""
    window = quota_window(limits)
    await conn.execute(
        "UPDATE watcher_sources SET"
        " quota_used = CASE WHEN quota_window = $2 THEN quota_used + $3 ELSE $3 END,"
        " quota_remaining = CASE WHEN $4::bigint IS NOT NULL THEN $4::bigint"
        "  WHEN quota_window = $2 THEN quota_remaining END,"
        " quota_window = $2"
        " WHERE source = $1",
        source,
        window.key,
        units,
        remaining,
    )
