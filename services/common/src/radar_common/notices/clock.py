"""Today, as every notice operation sees it: the system's, or a controllable one.

Reminders and daily re-assessments depend on the date. Production uses the system clock (UTC).
Tests move time by writing an ISO date into the file named by ``RADAR_CLOCK_FILE`` (read at
every call, so a running service follows it), or pass a :class:`FixedClock`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Clock(Protocol):
    """Where today's date comes from (the system, a test, a file)."""

    def today(self) -> date:
        """Today's date (UTC)."""


class SystemClock:
    """The calendar day in UTC."""

    def today(self) -> date:
        """Today's date in UTC."""
        return datetime.now(UTC).date()


@dataclass
class FixedClock:
    """A day set by the caller (tests): move it with :meth:`set`."""

    day: date

    def today(self) -> date:
        """The date set last."""
        return self.day

    def set(self, day: date) -> None:
        """Move the clock to ``day``."""
        self.day = day


@dataclass(frozen=True)
class FileClock:
    """The day written in a file (``YYYY-MM-DD``); the system's while the file is unreadable."""

    path: Path

    def today(self) -> date:
        """The date the file holds."""
        try:
            return date.fromisoformat(self.path.read_text().strip())
        except (OSError, ValueError) as exc:
            log.warning("clock file %s unreadable (%r); using the system clock", self.path, exc)
            return SystemClock().today()


def clock_of(path: Path | None) -> Clock:
    """The clock for a ``RADAR_CLOCK_FILE`` setting (None: the system clock)."""
    return FileClock(path) if path is not None else SystemClock()
