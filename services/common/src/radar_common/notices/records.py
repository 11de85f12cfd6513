"""Notice records: one row of ``notices`` per notice and part, read one at a time or by page.

Writes go through the operations of :mod:`.arrivals`, :mod:`.review`, :mod:`.decisions` and
:mod:`.assessments`; they all use :func:`insert` and :func:`update` here, inside their own
transaction, so every write bumps ``version`` (the ETag) and ``updated_at`` the same way.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeAlias

import asyncpg

from radar_common.notices.errors import InvalidOperation, NoticeNotFound, VersionConflict
from radar_common.notices.facts import Change, NoticeFacts
from radar_common.notices.identity import manufacturer_key, mpn_key, number_key
from radar_common.partnumbers import base_mpn


class NoticeState(StrEnum):
    """Where a notice record stands in its lifecycle, as people work on it."""

    NEW = "new"
    NEEDS_REVIEW = "needs_review"
    ACKNOWLEDGED = "acknowledged"
    DECIDED = "decided"
    CLOSED = "closed"


STATES = tuple(NoticeState)
# States in which nobody has decided yet: reminders go on.
UNDECIDED_STATES = ("new", "needs_review", "acknowledged")
Executor: TypeAlias = asyncpg.Connection | asyncpg.Pool


@asynccontextmanager
async def transaction(db: Executor) -> AsyncIterator[asyncpg.Connection]:
    """A transaction on ``db``: a connection of the pool, or the connection given (a savepoint
    when it is in a transaction already)."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with db.transaction():
            yield db


@dataclass(frozen=True)
class NoticeRecord:
    """One notice about one part, as it stands now."""

    record_id: str
    identity_key: str
    facts: NoticeFacts
    state: str
    review: str
    review_reasons: tuple[str, ...]
    confidence: float
    field_confidence: dict[str, float]
    evidence: list[dict[str, Any]]
    mentions: list[dict[str, Any]]
    owner: str
    decision: dict[str, Any] | None
    closed_reason: str
    facts_version: int
    version: int
    sources_count: int
    received_on: date
    ltb_since: date | None
    assessment_id: str | None
    assessed_facts_version: int
    inputs_fingerprint: str
    as_of: date | None
    severity: str
    recommended_action: str
    effective_ltb: date | None
    ltb_passed: bool
    ltb_quantity: int
    ltb_cost: Decimal
    revenue_at_risk: Decimal
    matched_mpn: str
    created_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        """Whether the record is still open (not closed)."""
        return self.state != "closed"

    @property
    def undecided(self) -> bool:
        """Whether nobody has decided about the notice yet."""
        return self.state in UNDECIDED_STATES

    def summary(self) -> dict[str, Any]:
        """What a list of notices shows for this one (JSON-ready)."""
        f = self.facts
        return {
            "record_id": self.record_id,
            "mpn": f.mpn,
            "manufacturer": f.manufacturer,
            "notice_number": f.notice_number,
            "notice_kind": f.notice_kind,
            "revision": f.revision,
            "lifecycle_status": f.lifecycle_status,
            "issue_date": f.issue_date,
            "last_time_buy_date": f.last_time_buy_date,
            "last_ship_date": f.last_ship_date,
            "inferred_fields": list(f.inferred_fields),
            "replacement_mpn": f.replacement_mpn,
            "state": self.state,
            "review": self.review,
            "review_reasons": list(self.review_reasons),
            "confidence": self.confidence,
            "owner": self.owner,
            "decision": self.decision,
            "closed_reason": self.closed_reason,
            "sources_count": self.sources_count,
            "facts_version": self.facts_version,
            "version": self.version,
            "assessment_id": self.assessment_id,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "severity": self.severity,
            "recommended_action": self.recommended_action,
            "effective_last_time_buy_date": (
                self.effective_ltb.isoformat() if self.effective_ltb else None
            ),
            "ltb_passed": self.ltb_passed,
            "ltb_quantity": self.ltb_quantity,
            "ltb_cost": f"{self.ltb_cost:.2f}",
            "revenue_at_risk": f"{self.revenue_at_risk:.2f}",
            "matched_mpn": self.matched_mpn,
            "received_on": self.received_on.isoformat(),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    def detail(self) -> dict[str, Any]:
        """The whole record: the summary plus evidence, mentions and per-field confidence."""
        return {
            **self.summary(),
            "facts": self.facts.as_dict(),
            "field_confidence": self.field_confidence,
            "evidence": self.evidence,
            "mentions": self.mentions,
        }


_COLUMNS = tuple(f.name for f in fields(NoticeRecord))
# Columns a write may set (record_id and created_at never change).
_WRITABLE = frozenset(
    {
        *(c for c in _COLUMNS if c not in ("record_id", "created_at", "updated_at", "version")),
        "manufacturer_key",
        "mpn_key",
        "number_key",
        "mpn",
        "manufacturer",
        "notice_number",
        "notice_kind",
        "match_keys",
        "work_key",
        "work_requested_at",
    }
)


def record_of(row: asyncpg.Record) -> NoticeRecord:
    """A record from its ``notice_records`` row."""
    values = {name: row[name] for name in _COLUMNS}
    values["facts"] = NoticeFacts.from_dict(row["facts"])
    values["review_reasons"] = tuple(row["review_reasons"])
    values["field_confidence"] = dict(row["field_confidence"] or {})
    values["evidence"] = list(row["evidence"] or [])
    values["mentions"] = list(row["mentions"] or [])
    return NoticeRecord(**values)


def match_keys(facts: NoticeFacts) -> list[str]:
    """Catalog keys that can match the notice's part: its orderable and base numbers."""
    return part_match_keys(facts.mpn, facts.manufacturer, facts.base_mpn)


def part_match_keys(mpn: str, manufacturer: str, notice_base: str) -> list[str]:
    """The numbers the matcher tries (``radar_inference.where_used.match_part``): the orderable
    number, its base under the manufacturer's convention, and the notice's own base.

    Stored with each record (``notices.match_keys``) and recomputed when the part-number rules
    change (:mod:`radar_common.db.base_numbers`).
    """
    keys = [mpn_key(mpn), base_mpn(mpn, manufacturer), base_mpn(notice_base)]
    return sorted({k for k in keys if k})


def facts_columns(facts: NoticeFacts) -> dict[str, Any]:
    """The columns a record keeps of its facts (for filters and identity lookups)."""
    return {
        "facts": facts.as_dict(),
        "mpn": facts.mpn,
        "manufacturer": facts.manufacturer,
        "notice_number": facts.notice_number,
        "notice_kind": facts.notice_kind,
        "manufacturer_key": manufacturer_key(facts.manufacturer),
        "mpn_key": mpn_key(facts.mpn),
        "number_key": number_key(facts.notice_number),
        "match_keys": match_keys(facts),
    }


async def insert(conn: asyncpg.Connection, values: dict[str, Any]) -> NoticeRecord:
    """Insert a record (``values``: record_id, identity_key, the facts columns, ...)."""
    names = list(values)
    unknown = [n for n in names if n not in _WRITABLE and n != "record_id"]
    if unknown:
        raise ValueError(f"not columns of notices: {unknown}")
    row = await conn.fetchrow(
        f"INSERT INTO notices ({', '.join(names)}) "  # noqa: S608 - names checked above
        f"VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))}) RETURNING *",
        *values.values(),
    )
    assert row is not None
    return record_of(row)


async def update(conn: asyncpg.Connection, record_id: str, values: dict[str, Any]) -> NoticeRecord:
    """Set ``values`` on a record, bump its version and update time; the record after."""
    unknown = [n for n in values if n not in _WRITABLE]
    if unknown:
        raise ValueError(f"not writable columns of notices: {unknown}")
    sets = [f"{name} = ${i}" for i, name in enumerate(values, start=2)]
    sets += ["version = version + 1", "updated_at = clock_timestamp()"]
    row = await conn.fetchrow(
        f"UPDATE notices SET {', '.join(sets)} WHERE record_id = $1 RETURNING *",  # noqa: S608
        record_id,
        *values.values(),
    )
    if row is None:
        raise NoticeNotFound(f"no notice {record_id}")
    return record_of(row)


async def add_revision(
    conn: asyncpg.Connection,
    record_id: str,
    facts_version: int,
    facts: NoticeFacts,
    *,
    cause: str,
    changes: Sequence[Change] = (),
    arrival_id: str = "",
    actor: str = "",
) -> None:
    """Keep a version of a record's facts (``cause``: arrival or review) with what changed."""
    await conn.execute(
        """
        INSERT INTO notice_revisions
            (record_id, facts_version, facts, changes, cause, arrival_id, actor)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """,
        record_id,
        facts_version,
        facts.as_dict(),
        [c.as_dict() for c in changes],
        cause,
        arrival_id,
        actor,
    )


async def lock_for_change(
    conn: asyncpg.Connection, record_id: str, expected_version: int | None
) -> NoticeRecord:
    """The record, locked for a person's change: at the version they saw, and still open.

    Raises:
        NoticeNotFound, VersionConflict, InvalidOperation (closed).
    """
    record = await get(conn, record_id, for_update=True)
    if expected_version is not None and expected_version != record.version:
        raise VersionConflict(record_id, expected_version, record.version)
    if not record.is_open:
        raise InvalidOperation(f"notice {record_id} is closed ({record.closed_reason})")
    return record


async def get(db: Executor, record_id: str, *, for_update: bool = False) -> NoticeRecord:
    """One record; ``for_update`` locks it until the transaction ends.

    Raises:
        NoticeNotFound: no such record.
    """
    lock = " FOR UPDATE" if for_update else ""
    row = await db.fetchrow(f"SELECT * FROM notices WHERE record_id = $1{lock}", record_id)  # noqa: S608
    if row is None:
        raise NoticeNotFound(f"no notice {record_id}")
    return record_of(row)


@dataclass(frozen=True)
class NoticeFilter:
    """What a list of notices may be narrowed to (every condition set must hold)."""

    review: str | None = None  # "pending"
    states: tuple[str, ...] = ()
    manufacturer: str | None = None
    mpn: str | None = None
    kind: str | None = None
    severity: str | None = None
    since: datetime | None = None  # first received at or after
    until: datetime | None = None  # first received before
    record_ids: tuple[str, ...] = field(default_factory=tuple)
    # Part numbers starting with this (the notice's or the matched one; a search box).
    mpn_prefix: str | None = None
    # Used by this product (a sku in the latest assessment's where-used).
    product: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of records and the cursor of the next (None at the end)."""

    items: list[NoticeRecord]
    next_cursor: str | None


def _like_prefix(text: str) -> str:
    """``text`` as a LIKE pattern matching what starts with it (wildcards taken literally)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def encode_cursor(record: NoticeRecord) -> str:
    """The opaque cursor that continues a page after ``record``."""
    raw = f"{record.created_at.isoformat()}|{record.record_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Raises ValueError for a cursor this API did not give out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, record_id = raw.partition("|")
        return datetime.fromisoformat(at), record_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a cursor of this list: {cursor!r}") from exc


async def list_records(
    db: Executor, where: NoticeFilter, *, limit: int = 50, cursor: str | None = None
) -> Page:
    """Records newest first (by first arrival), ``limit`` at a time; pass ``next_cursor`` on."""
    conditions: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if where.review:
        conditions.append(f"review = {arg(where.review)}")
    if where.states:
        conditions.append(f"state = ANY({arg(list(where.states))}::text[])")
    if where.manufacturer:
        conditions.append(f"manufacturer_key = {arg(manufacturer_key(where.manufacturer))}")
    if where.mpn:
        conditions.append(f"(mpn_key = {arg(mpn_key(where.mpn))} OR matched_mpn = ${len(args)})")
    if where.mpn_prefix and mpn_key(where.mpn_prefix):
        prefix = arg(_like_prefix(mpn_key(where.mpn_prefix)))
        conditions.append(f"(mpn_key LIKE {prefix} OR upper(matched_mpn) LIKE {prefix})")
    if where.product:
        # The GIN index of migration 0710 answers which assessments name the product.
        sku = arg(where.product)
        conditions.append(
            "assessment_id IN (SELECT assessment_id FROM assessments WHERE body->'where_used'"  # noqa: S608 - a placeholder only
            f" @> jsonb_build_array(jsonb_build_object('sku', {sku}::text)))"
        )
    if where.kind:
        conditions.append(f"notice_kind = {arg(where.kind)}")
    if where.severity:
        conditions.append(f"severity = {arg(where.severity)}")
    if where.since:
        conditions.append(f"created_at >= {arg(where.since)}")
    if where.until:
        conditions.append(f"created_at < {arg(where.until)}")
    if where.record_ids:
        conditions.append(f"record_id = ANY({arg(list(where.record_ids))}::text[])")
    if cursor:
        at, record_id = decode_cursor(cursor)
        conditions.append(f"(created_at, record_id) < ({arg(at)}, {arg(record_id)})")
    sql = "SELECT * FROM notices"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += f" ORDER BY created_at DESC, record_id DESC LIMIT {arg(limit + 1)}"
    rows = await db.fetch(sql, *args)
    items = [record_of(r) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items, encode_cursor(items[-1]) if more and items else None)


async def sources_of(db: Executor, record_id: str) -> list[dict[str, Any]]:
    """Every arrival of the notice, oldest first, with what each said."""
    rows = await db.fetch(
        "SELECT * FROM notice_sources WHERE record_id = $1 ORDER BY recorded_at, arrival_id",
        record_id,
    )
    return [
        {
            "arrival_id": r["arrival_id"],
            "event_id": r["event_id"],
            "task_id": r["task_id"],
            "trace_id": r["trace_id"],
            "source": r["source"],
            "format": r["format"],
            "received_at": r["received_at"].isoformat() if r["received_at"] else None,
            "confidence": r["confidence"],
            "outcome": r["outcome"],
            "changes": r["changes"],
            "facts": r["facts"],
            "recorded_at": r["recorded_at"].isoformat(),
        }
        for r in rows
    ]


async def open_records_of_part(
    db: Executor, maker: str, mpn: str, *, numbers: Sequence[str] = ()
) -> list[NoticeRecord]:
    """Open records of a part (newest first), optionally only those with these number keys."""
    rows = await db.fetch(
        """
        SELECT * FROM notices
        WHERE mpn_key = $2 AND state <> 'closed'
          AND ($1 = '' OR manufacturer_key = $1 OR manufacturer_key = '')
          AND (cardinality($3::text[]) = 0 OR number_key = ANY($3::text[]))
        ORDER BY created_at DESC, record_id DESC
        """,
        manufacturer_key(maker),
        mpn_key(mpn),
        [number_key(n) for n in numbers if number_key(n)],
    )
    return [record_of(r) for r in rows]


async def revision_changes(db: Executor, record_id: str, facts_version: int) -> list[Change]:
    """What the revision that made ``facts_version`` changed (material changes, review state)."""
    value = await db.fetchval(
        "SELECT changes FROM notice_revisions WHERE record_id = $1 AND facts_version = $2",
        record_id,
        facts_version,
    )
    return [Change.from_dict(c) for c in value or []]


async def revisions_of(db: Executor, record_id: str) -> list[dict[str, Any]]:
    """Every version of the notice's facts, oldest first."""
    rows = await db.fetch(
        "SELECT * FROM notice_revisions WHERE record_id = $1 ORDER BY facts_version", record_id
    )
    return [
        {
            "facts_version": r["facts_version"],
            "cause": r["cause"],
            "arrival_id": r["arrival_id"],
            "actor": r["actor"],
            "changes": r["changes"],
            "facts": r["facts"],
            "created_at": r["created_at"].isoformat(),
        }
        for r in rows
    ]
