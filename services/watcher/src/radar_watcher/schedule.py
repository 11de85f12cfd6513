"""When cycles start and when each page of a cycle may go.

A remote cycle spreads its parts evenly over ``interval x spread``: the page that starts at the
n-th part of N is due ``span x n / N`` after the cycle began. A cycle that fell behind (a
restart, a provider outage) catches up as fast as the rate limit allows, then follows the
spread again. Cycles start ``interval`` apart, or as soon as the previous one ends if it ran
longer than that.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def page_due(started_at: datetime, checked: int, total: int, span_seconds: float) -> datetime:
    """When the page beginning after ``checked`` of ``total`` parts may start."""
    if total <= 0 or span_seconds <= 0:
        return started_at
    share = min(1.0, checked / total)
    return started_at + timedelta(seconds=span_seconds * share)


def next_cycle_at(
    started_at: datetime | None, finished_at: datetime | None, interval_seconds: float
) -> datetime | None:
    """When the next cycle may start (None: now, there never was one)."""
    if started_at is None:
        return None
    due = started_at + timedelta(seconds=interval_seconds)
    return max(due, finished_at) if finished_at is not None else due


def next_month(now: datetime | None = None) -> datetime:
    """The first instant of the calendar month after ``now`` (UTC): monthly allowances reset."""
    now = now or datetime.now(UTC)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)
