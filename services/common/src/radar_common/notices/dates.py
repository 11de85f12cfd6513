"""The dates a notice does not state, from J-STD-048, and calendar arithmetic on them.

J-STD-048 gives at least 6 months from the announcement to the last order (LTB) and at least 12
to the last shipment. A missing date is derived from the issue date with those minimums, and a
derived date never contradicts a stated one:

- LTB = issue + 6 months, but not after the (stated) last-ship date;
- last ship = the later of issue + 12 months and the LTB date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

JSTD048_LTB_MONTHS = 6
JSTD048_LAST_SHIP_MONTHS = 12


def add_months(day: date, count: int) -> date:
    """The same day ``count`` calendar months later (clamped to the month's last day)."""
    index = day.month - 1 + count
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_day(text: str) -> date | None:
    """An ISO date (``YYYY-MM-DD``, time part ignored), or None when empty or unreadable."""
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class NoticeDates:
    """The last-time-buy and last-ship dates the math uses, and which were derived."""

    issue: date
    last_time_buy: date
    last_ship: date
    inferred: tuple[str, ...] = ()


def effective_dates(
    issue: date | None,
    last_time_buy: date | None,
    last_ship: date | None,
    *,
    announced: date,
) -> NoticeDates:
    """Fill the dates a notice does not state (J-STD-048 minimums from the issue date).

    Args:
        issue, last_time_buy, last_ship: the dates the notice states (None when it does not).
        announced: the day the notice is taken as issued when it has no issue date (the day it
            was received).
    """
    start = issue or announced
    inferred: list[str] = []
    if last_time_buy is None:
        last_time_buy = add_months(start, JSTD048_LTB_MONTHS)
        if last_ship is not None:
            last_time_buy = min(last_time_buy, last_ship)
        inferred.append("last_time_buy")
    if last_ship is None:
        last_ship = max(add_months(start, JSTD048_LAST_SHIP_MONTHS), last_time_buy)
        inferred.append("last_ship")
    return NoticeDates(start, last_time_buy, last_ship, tuple(inferred))
