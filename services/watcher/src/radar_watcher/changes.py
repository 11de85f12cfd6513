"""What a new observation means for a part, and the event that announces it.

Radar's status for a part is the most severe status its sources report now, its dates the
earliest last-time-buy and last-ship dates any source publishes. When that moves toward
discontinuance, back to active, or a source publishes a date Radar did not have, one change is
announced: a ``ComponentAlert`` for ingestion's ``POST /v1/ingest/component-alert``, carrying
the old and new status, every source's view (so disagreement shows) and the evidence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from radar_watcher.lifecycle import LIFECYCLE_CHANGE, UNKNOWN, change_kind, rank, worst

RAW_LIMIT = 4096  # bytes of a provider record kept whole; bigger ones keep their scalar fields


@dataclass(frozen=True)
class Announced:
    """What Radar has said about a part so far."""

    mpn: str
    manufacturer: str
    status: str
    last_time_buy_date: date | None
    last_ship_date: date | None
    version: int


@dataclass(frozen=True)
class SourceView:
    """One source's current observation of a part."""

    source: str
    status: str
    status_raw: str
    seen_at: datetime
    last_time_buy_date: date | None = None
    last_ship_date: date | None = None


@dataclass(frozen=True)
class Verdict:
    """Radar's new view of a part; ``kind`` is None when it changes silently."""

    status: str
    last_time_buy_date: date | None
    last_ship_date: date | None
    kind: str | None


def _earliest(days: Sequence[date | None]) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def verdict(announced: Announced, views: Sequence[SourceView]) -> Verdict | None:
    """Radar's view of the part after ``views``; None when nothing moves."""
    status = worst(v.status for v in views)
    if status == UNKNOWN:
        status = announced.status
    ltb = _earliest([v.last_time_buy_date for v in views]) or announced.last_time_buy_date
    lsd = _earliest([v.last_ship_date for v in views]) or announced.last_ship_date
    if (status, ltb, lsd) == (
        announced.status,
        announced.last_time_buy_date,
        announced.last_ship_date,
    ):
        return None
    kind = change_kind(announced.status, status)
    new_dates = (ltb, lsd) != (announced.last_time_buy_date, announced.last_ship_date)
    if kind is None and new_dates and rank(status) > 0:
        kind = LIFECYCLE_CHANGE  # a newly published LTB or last-ship date
    return Verdict(status, ltb, lsd, kind)


def _sooner(day: date | None, than: date | None) -> bool:
    return day is not None and (than is None or day < than)


def first_view_can_move(
    announced: Announced, status: str, last_time_buy: date | None, last_ship: date | None
) -> bool:
    """Whether a source's *first* view of a part can move Radar's view of it.

    Radar's status is the most severe of the views it already combined (or what it had, when
    none is known), so a first view no more severe than it, with no sooner date, leaves the
    verdict as it is: the part need not be combined again (the first cycle of a source over a
    large catalog is otherwise one full recombination per part). A source *revising* its view
    is always recombined, since taking back the most severe status can lower Radar's.
    """
    return (
        rank(status) > rank(announced.status)
        or _sooner(last_time_buy, announced.last_time_buy_date)
        or _sooner(last_ship, announced.last_ship_date)
    )


def change_id(source: str, mpn: str, version: int, old: str, new: str, v: Verdict) -> str:
    """The idempotency key of one announced change of one part (stable across retries)."""
    key = "|".join(
        (
            "watcher",
            source,
            mpn,
            str(version),
            old,
            new,
            str(v.last_time_buy_date or ""),
            str(v.last_ship_date or ""),
        )
    )
    return "watcher-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=str)


def compact_raw(record: dict[str, Any], limit: int = RAW_LIMIT) -> dict[str, Any]:
    """The provider's record, whole when small; else its scalar fields and small objects."""
    if len(_dumps(record)) <= limit:
        return record
    return _trimmed(record, limit)


def _trimmed(record: dict[str, Any], limit: int) -> dict[str, Any]:
    kept: dict[str, Any] = {"_trimmed": True}
    for key, value in record.items():
        if not isinstance(value, list | dict) or len(_dumps(value)) <= limit // 8:
            kept[key] = value
    return kept


def raw_json(record: dict[str, Any], limit: int = RAW_LIMIT) -> str:
    """:func:`compact_raw` as JSON text, serialized once when the record is small (the usual
    case: one record per part and source every cycle)."""
    text = _dumps(record)
    if len(text) > limit:
        text = _dumps(_trimmed(record, limit))
    return text.decode()


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def alert_payload(
    *,
    source: str,
    announced: Announced,
    verdict: Verdict,
    trigger: SourceView,
    views: Sequence[SourceView],
    evidence: dict[str, Any],
    observed_at: datetime,
) -> dict[str, Any]:
    """The ComponentAlert body (declared fields, then the extras the normalizer maps)."""
    old, new = announced.status, verdict.status
    others = [v for v in views if v.status != UNKNOWN]
    disagree = len({v.status for v in others}) > 1
    said = "; ".join(f"{v.source}: {v.status_raw or v.status}" for v in others)
    what = (
        f"{trigger.source} reports {announced.mpn} as {trigger.status_raw or new}"
        if old != new
        else f"{trigger.source} publishes dates for {announced.mpn}"
    )
    payload: dict[str, Any] = {
        "source_platform": source,
        "manufacturer_code": announced.manufacturer,
        "part_number": announced.mpn,
        "lifecycle_status": new,
        "raw_context": {"detected_by": "radar-watcher", "record": evidence},
        "previous_lifecycle_status": old,
        "notice_kind": verdict.kind,
        "issue_date": observed_at.date().isoformat(),
        "title": f"{what} (was {old})" if old != new else what,
        "reason": f"Lifecycle status from {len(others)} source(s), most severe counts: {said}.",
        "source_status": trigger.status_raw,
        "observed_at": observed_at.isoformat(),
        "sources_disagree": disagree,
        "sources": [
            {
                "source": v.source,
                "status": v.status,
                "status_raw": v.status_raw,
                "seen_at": v.seen_at.isoformat(),
                "last_time_buy_date": _iso(v.last_time_buy_date),
                "last_ship_date": _iso(v.last_ship_date),
            }
            for v in views
        ],
    }
    if verdict.last_time_buy_date:
        payload["last_time_buy_date"] = verdict.last_time_buy_date.isoformat()
    if verdict.last_ship_date:
        payload["last_ship_date"] = verdict.last_ship_date.isoformat()
    return payload
