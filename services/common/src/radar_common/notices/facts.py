"""A notice's facts, and what changed between two versions of them.

The facts are what a notice says about one part: the normalizer's fields, with the dates it only
derived listed in ``inferred_fields``. A record keeps the current facts; each arrival and each
review may bring new ones. Two rules decide what a new version means:

- :func:`overlay` — what the record says after an arrival: every field the arrival *states*
  replaces the record's; what it leaves out (or only inferred) keeps the record's value. A
  lifecycle-status report joining a notice adds its status, never its kind.
- :func:`material_changes` — the changes a person must be told about (a "changed" alert):
  the effective last-time-buy and last-ship dates (after J-STD-048 inference), the
  replacement, the kind of notice, and for a lifecycle-change record its status. A change in
  wording, title or reason is recorded but is not material.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any

from radar_common.contracts import NormalizedNotice
from radar_common.notices.dates import NoticeDates, effective_dates, parse_day


class NoticeKind(StrEnum):
    """What a notice announces (the normalizer's ``notice_kind``)."""

    DISCONTINUANCE = "discontinuance"
    CHANGE = "change"
    LIFECYCLE_CHANGE = "lifecycle_change"
    PACKING_WITHDRAWAL = "packing_withdrawal"
    REACTIVATION = "reactivation"
    RETRACTION = "retraction"


class LifecycleStatus(StrEnum):
    """A part's lifecycle status: the one list every source's words are mapped onto."""

    ACTIVE = "active"
    NRND = "nrnd"
    EOL = "eol"
    OBSOLETE = "obsolete"
    UNKNOWN = "unknown"


#: Least to most severe; ``unknown`` is outside the order (a source that does not know the
#: part says nothing about it).
LIFECYCLE_ORDER: tuple[LifecycleStatus, ...] = (
    LifecycleStatus.ACTIVE,
    LifecycleStatus.NRND,
    LifecycleStatus.EOL,
    LifecycleStatus.OBSOLETE,
)


class Role(StrEnum):
    """The role of a part-number mention in its notice (only ``affected`` parts are notices)."""

    AFFECTED = "affected"
    REPLACEMENT = "replacement"
    REFERENCED = "referenced"
    EXCLUDED = "excluded"
    NOT_AFFECTED = "not_affected"


DATE_FIELDS = ("issue_date", "last_time_buy_date", "last_ship_date")
# Kinds that report a part's status rather than announce something about it.
STATUS_KINDS = frozenset({"lifecycle_change"})
# Fields a review may correct (the identity fields mpn, manufacturer, notice_number included).
CORRECTABLE = (
    "mpn",
    "manufacturer",
    "notice_number",
    "notice_kind",
    "lifecycle_status",
    "issue_date",
    "last_time_buy_date",
    "last_ship_date",
    "replacement_mpn",
    "revision",
)


@dataclass(frozen=True)
class NoticeFacts:
    """What a notice says about one part (dates ISO-8601, empty when not said)."""

    mpn: str = ""
    base_mpn: str = ""
    manufacturer: str = ""
    manufacturer_raw: str = ""
    notice_number: str = ""
    notice_kind: str = ""
    lifecycle_status: str = ""
    previous_lifecycle_status: str = ""
    issue_date: str = ""
    last_time_buy_date: str = ""
    last_ship_date: str = ""
    replacement_mpn: str = ""
    reason: str = ""
    title: str = ""
    revision: str = ""
    # Dates the normalizer derived rather than read (the engine derives them again).
    inferred_fields: tuple[str, ...] = ()
    # Notice numbers this notice revises, withdraws or cancels.
    supersedes: tuple[str, ...] = ()

    @classmethod
    def of_notice(cls, n: NormalizedNotice) -> NoticeFacts:
        """The facts an arriving notice states."""
        return cls(
            mpn=n.mpn,
            base_mpn=n.base_mpn,
            manufacturer=n.manufacturer,
            manufacturer_raw=n.manufacturer_raw,
            notice_number=n.notice_number,
            notice_kind=n.notice_kind,
            lifecycle_status=n.lifecycle_status,
            previous_lifecycle_status=n.previous_lifecycle_status,
            issue_date=n.issue_date,
            last_time_buy_date=n.last_time_buy_date,
            last_ship_date=n.last_ship_date,
            replacement_mpn=n.replacement_mpn,
            reason=n.reason,
            title=n.title,
            revision=n.revision,
            inferred_fields=tuple(sorted(set(n.inferred_fields))),
            supersedes=tuple(n.supersedes),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoticeFacts:
        """Facts from their stored JSON; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("inferred_fields", "supersedes"):
            values[name] = tuple(values.get(name) or ())
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The facts as stored JSON."""
        out = asdict(self)
        out["inferred_fields"] = list(self.inferred_fields)
        out["supersedes"] = list(self.supersedes)
        return out

    def stated(self, name: str) -> str:
        """The field's value if the notice states it; empty when it was only inferred."""
        return "" if name in self.inferred_fields else str(getattr(self, name))

    def dates(self, announced: date) -> NoticeDates:
        """The effective dates (stated, else J-STD-048), announced = the day it was received."""
        return effective_dates(
            parse_day(self.stated("issue_date")),
            parse_day(self.stated("last_time_buy_date")),
            parse_day(self.stated("last_ship_date")),
            announced=announced,
        )

    def corrected(self, values: dict[str, str]) -> NoticeFacts:
        """These facts with ``values`` set by a person: set dates are stated, not inferred."""
        unknown = sorted(set(values) - set(CORRECTABLE))
        if unknown:
            raise ValueError(f"not correctable: {', '.join(unknown)}")
        merged = {**self.as_dict(), **values}
        merged["inferred_fields"] = [f for f in self.inferred_fields if f not in values]
        return NoticeFacts.from_dict(merged)


@dataclass(frozen=True)
class Change:
    """One field that changed: before -> after, as shown to people."""

    field: str
    before: str
    after: str

    def as_dict(self) -> dict[str, str]:
        """The change as stored JSON."""
        return {"field": self.field, "before": self.before, "after": self.after}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        """A change from its stored JSON."""
        return cls(str(data["field"]), str(data.get("before", "")), str(data.get("after", "")))


def overlay(old: NoticeFacts, new: NoticeFacts) -> NoticeFacts:
    """The record's facts after ``new`` arrived (identity fields keep the record's values)."""
    status_only = new.notice_kind in STATUS_KINDS and old.notice_kind not in STATUS_KINDS
    values: dict[str, Any] = {}
    inferred = set(old.inferred_fields)
    for f in fields(NoticeFacts):
        name = f.name
        if name in ("mpn", "base_mpn", "inferred_fields", "supersedes"):
            continue
        if status_only and name not in ("lifecycle_status", "previous_lifecycle_status"):
            continue
        if name in ("manufacturer", "manufacturer_raw", "notice_number") and getattr(old, name):
            continue
        said = new.stated(name)
        if said:
            values[name] = said
            inferred.discard(name)
        elif name in DATE_FIELDS and not getattr(old, name) and getattr(new, name):
            values[name] = getattr(new, name)  # only inferred by both: keep it, still inferred
            inferred.add(name)
    supersedes = tuple(dict.fromkeys((*old.supersedes, *new.supersedes)))
    return replace(old, **values, inferred_fields=tuple(sorted(inferred)), supersedes=supersedes)


def _shown(day: date, inferred: bool) -> str:
    return f"{day.isoformat()} (inferred)" if inferred else day.isoformat()


def material_changes(old: NoticeFacts, new: NoticeFacts, *, announced: date) -> list[Change]:
    """What a person must be told changed from ``old`` to ``new`` (see the module doc).

    ``announced`` is the day the record's notice was first received (the J-STD-048 start when
    it states no issue date).
    """
    changes: list[Change] = []
    before, after = old.dates(announced), new.dates(announced)
    for name, a, b, key in (
        ("last_time_buy_date", before.last_time_buy, after.last_time_buy, "last_time_buy"),
        ("last_ship_date", before.last_ship, after.last_ship, "last_ship"),
    ):
        if a != b:
            changes.append(
                Change(name, _shown(a, key in before.inferred), _shown(b, key in after.inferred))
            )
    for name in ("notice_kind", "replacement_mpn"):
        if getattr(old, name) != getattr(new, name):
            changes.append(Change(name, getattr(old, name), getattr(new, name)))
    if old.notice_kind in STATUS_KINDS and old.lifecycle_status != new.lifecycle_status:
        changes.append(Change("lifecycle_status", old.lifecycle_status, new.lifecycle_status))
    return changes


def fact_differences(old: NoticeFacts, new: NoticeFacts) -> list[Change]:
    """Every field that differs (for the audit trail), material or not."""
    out = []
    for f in fields(NoticeFacts):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if a != b:
            join = ", ".join
            out.append(
                Change(
                    f.name,
                    join(a) if isinstance(a, tuple) else str(a),
                    join(b) if isinstance(b, tuple) else str(b),
                )
            )
    return out
