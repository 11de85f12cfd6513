"""What every source adapter is: a name, a batch size, and ``check(parts) -> Answer``.

An adapter makes one request for a batch of parts (following the provider's pagination) and
maps each part's record to an :class:`Observation` in the internal vocabulary. It raises one
of the :class:`SourceError` kinds so that the cycle knows whether to wait (rate limit, quota),
retry (outage) or stop and say so (credentials refused).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from radar_common.partnumbers import normalize_mpn
from radar_watcher.catalog import CatalogPart
from radar_watcher.lifecycle import UNKNOWN, status_from
from radar_watcher.makers import same_manufacturer


@dataclass(frozen=True)
class Observation:
    """What one source says about one catalog part now."""

    mpn: str  # the catalog's part number (the key), not the provider's spelling
    status: str  # active | nrnd | eol | obsolete | unknown
    status_raw: str = ""  # the provider's own word
    manufacturer: str = ""  # as the provider names it
    last_time_buy_date: date | None = None
    last_ship_date: date | None = None
    found: bool = True
    raw: dict[str, Any] = field(default_factory=dict)  # the provider's record for the part


def not_found(part: CatalogPart) -> Observation:
    """The source has no record of ``part``: recorded as checked, status unknown."""
    return Observation(part.mpn, UNKNOWN, found=False)


@dataclass
class Answer:
    """One request's result and what the provider said about the quota."""

    observations: list[Observation]
    # HTTP requests made (pages included), and what they cost against the source's own
    # allowance: requests, or for Nexar the parts returned.
    requests: int = 1
    units: int = 1
    quota_remaining: int | None = None
    quota_reset_seconds: float | None = None


class SourceError(Exception):
    """A request failed; ``kind`` labels the metric."""

    kind = "error"


class AuthRefused(SourceError):
    """The provider refused the credentials (after one fresh token or session)."""

    kind = "auth"


class RateLimited(SourceError):
    """429: wait ``retry_after`` seconds before the next request."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExhausted(SourceError):
    """The plan's daily or monthly allowance is used up until ``until``."""

    kind = "quota"

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class SourceUnavailable(SourceError):
    """5xx, a network error or an answer that does not parse: worth retrying."""

    kind = "unavailable"


class Source(Protocol):
    """A lifecycle data source."""

    name: str
    parts_per_request: int

    async def check(self, parts: Sequence[CatalogPart]) -> Answer:
        """One request (and its pages) for at most ``parts_per_request`` parts."""
        ...


def best_match(
    part: CatalogPart,
    records: Iterable[dict[str, Any]],
    mpn_of: Callable[[dict[str, Any]], str],
    maker_of: Callable[[dict[str, Any]], str],
) -> dict[str, Any] | None:
    """The provider record for ``part``: same part number, the catalog's manufacturer first."""
    wanted = normalize_mpn(part.mpn)
    same = [r for r in records if normalize_mpn(mpn_of(r)) == wanted]
    for record in same:
        if same_manufacturer(maker_of(record), part.manufacturer):
            return record
    return None  # the same number from another manufacturer is another part


def parse_day(value: object) -> date | None:
    """A provider's date ("2026-03-31", "2026-03-31T00:00:00Z", "03/31/2026"), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    for pattern in ("%m/%d/%Y", "%d-%b-%Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC).date()
        except ValueError:
            continue
    return None


Record = dict[str, Any]


def _nothing(_: Record) -> object:
    return None


@dataclass(frozen=True)
class RecordShape:
    """Where a provider's part record keeps what the watcher reads, and its vocabulary."""

    vocabulary: Mapping[str, str]
    mpn: Callable[[Record], str]
    manufacturer: Callable[[Record], str]
    status: Callable[[Record], str]
    last_time_buy: Callable[[Record], object] = _nothing
    last_ship: Callable[[Record], object] = _nothing

    def observe(self, part: CatalogPart, records: Iterable[Record]) -> Observation:
        """The observation of ``part`` among the provider's ``records``."""
        record = best_match(part, records, self.mpn, self.manufacturer)
        if record is None:
            return not_found(part)
        raw_status = self.status(record)
        return Observation(
            part.mpn,
            status_from(raw_status, self.vocabulary),
            raw_status,
            self.manufacturer(record),
            parse_day(self.last_time_buy(record)),
            parse_day(self.last_ship(record)),
            raw=record,
        )
