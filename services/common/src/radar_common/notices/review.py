"""A person checks what was read: confirm it, or correct parts, roles and dates.

:func:`review_notice` applies one review in one transaction:

- ``corrections`` set facts (dates, kind, status, replacement, and the identity fields part
  number, manufacturer and notice number; a correction that makes the record the same notice
  as another record is refused);
- ``mentions`` give part-number candidates their roles: the record's own part marked anything
  but ``affected`` closes the record; another part marked ``affected`` becomes a record of its
  own (same notice, same facts); a ``replacement`` of the record's part becomes its
  replacement;
- the record's review becomes ``confirmed`` (nothing changed) or ``corrected``, a
  ``needs_review`` record becomes ``new``, its facts version goes up (the caller then has it
  re-assessed: :mod:`.reassessment`), and the audit trail records who changed what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg

from radar_common.notices import history
from radar_common.notices.arrivals import close_record
from radar_common.notices.clock import SystemClock
from radar_common.notices.errors import InvalidInput, InvalidOperation
from radar_common.notices.facts import (
    Change,
    LifecycleStatus,
    NoticeFacts,
    NoticeKind,
    Role,
    fact_differences,
    material_changes,
)
from radar_common.notices.identity import identity_key, mpn_key, part_lock, record_id_of
from radar_common.notices.records import (
    NoticeRecord,
    add_revision,
    facts_columns,
    insert,
    lock_for_change,
    update,
)

NOTICE_KINDS = tuple(NoticeKind)
LIFECYCLE_STATUSES = tuple(LifecycleStatus)
ROLES = tuple(Role)


@dataclass(frozen=True)
class MentionRole:
    """A part-number candidate of the notice and the role a person gives it."""

    mpn: str
    role: str
    replaces: str = ""


@dataclass(frozen=True)
class ReviewInput:
    """A review as a person sends it: corrected fields and mention roles."""

    actor: str
    corrections: dict[str, str] = field(default_factory=dict)
    mentions: tuple[MentionRole, ...] = ()
    note: str = ""
    # The record version the reviewer saw (If-Match); None: no check.
    expected_version: int | None = None
    # The reviewer's day (a corrected LTB date counts as known from then); None: the system's.
    today: date | None = None


@dataclass(frozen=True)
class ReviewResult:
    """The reviewed record and what the review changed."""

    record: NoticeRecord
    # Every field that changed (audit) and those that matter for the assessment.
    changes: tuple[Change, ...]
    material: tuple[Change, ...]
    # Records the review created (newly affected parts) and closed (the record's own part
    # marked not affected).
    created: tuple[NoticeRecord, ...] = ()
    closed: tuple[NoticeRecord, ...] = ()

    @property
    def to_assess(self) -> tuple[NoticeRecord, ...]:
        """Records whose assessment the review makes stale."""
        own = () if self.record.state == "closed" else (self.record,)
        return (*own, *self.created)


def validate_corrections(corrections: dict[str, str]) -> None:
    """Refuse corrections that cannot be facts (raises :class:`InvalidInput`)."""
    for name, value in corrections.items():
        if name.endswith("_date") and value:
            try:
                date.fromisoformat(value)
            except ValueError as exc:
                raise InvalidInput(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from exc
        if name == "notice_kind" and value not in NOTICE_KINDS:
            raise InvalidInput(f"notice_kind must be one of {', '.join(NOTICE_KINDS)}")
        if name == "lifecycle_status" and value not in LIFECYCLE_STATUSES:
            raise InvalidInput(f"lifecycle_status must be one of {', '.join(LIFECYCLE_STATUSES)}")
        if name == "mpn" and not mpn_key(value):
            raise InvalidInput("mpn cannot be empty")
    try:
        NoticeFacts().corrected(corrections)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc


def _mentions_with_roles(
    mentions: list[dict[str, Any]], roles: tuple[MentionRole, ...]
) -> list[dict[str, Any]]:
    """The record's mentions with the reviewer's roles (new candidates appended)."""
    given = {mpn_key(m.mpn): m for m in roles}
    out = []
    for m in mentions:
        role = given.pop(mpn_key(str(m.get("mpn", ""))), None)
        out.append({**m, "role": role.role, "reviewed": True} if role else m)
    for extra in given.values():
        out.append(
            {"mpn": extra.mpn, "role": extra.role, "replaces": extra.replaces, "reviewed": True}
        )
    return out


async def review_notice(pool: asyncpg.Pool, record_id: str, review: ReviewInput) -> ReviewResult:
    """Apply a review (see the module doc).

    Raises:
        NoticeNotFound, VersionConflict, InvalidInput (an invalid value), InvalidOperation (a
        closed record, an identity that belongs to another record).
    """
    validate_corrections(review.corrections)
    for m in review.mentions:
        if m.role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}; got {m.role!r}")
    async with pool.acquire() as conn, conn.transaction():
        record = await lock_for_change(conn, record_id, review.expected_version)
        return await _apply(conn, record, review)


async def _apply(
    conn: asyncpg.Connection, record: NoticeRecord, review: ReviewInput
) -> ReviewResult:
    old = record.facts
    corrections = dict(review.corrections)
    own = mpn_key(corrections.get("mpn", old.mpn))
    for m in review.mentions:
        if m.role == "replacement" and (not m.replaces or mpn_key(m.replaces) == own):
            corrections.setdefault("replacement_mpn", m.mpn)
    new = old.corrected(corrections)
    for mpn in sorted({old.mpn, new.mpn, *(m.mpn for m in review.mentions)}):
        await conn.execute("SELECT pg_advisory_xact_lock($1)", part_lock(mpn))
    differences = fact_differences(old, new)
    material = material_changes(old, new, announced=record.received_on)
    key = identity_key(new)
    if key != record.identity_key:
        holder = await conn.fetchval(
            "SELECT record_id FROM notices WHERE identity_key = $1 AND record_id <> $2",
            key,
            record.record_id,
        )
        if holder:
            raise InvalidOperation(
                f"with these corrections this is the same notice as record {holder}"
            )
    mentions = _mentions_with_roles(record.mentions, review.mentions)
    review_state = "corrected" if differences or review.mentions else "confirmed"
    changes = [*differences]
    if record.review != review_state:
        changes.append(Change("review", record.review, review_state))
    values: dict[str, Any] = {
        **facts_columns(new),
        "identity_key": key,
        "review": review_state,
        "review_reasons": [],
        "mentions": mentions,
        "facts_version": record.facts_version + 1,
    }
    if record.state == "needs_review":
        values["state"] = "new"
        changes.append(Change("state", "needs_review", "new"))
    if any(c.field == "last_time_buy_date" for c in material):
        values["ltb_since"] = review.today or SystemClock().today()
    updated = await update(conn, record.record_id, values)
    await add_revision(
        conn,
        record.record_id,
        updated.facts_version,
        new,
        cause="review",
        changes=[*material, *(c for c in changes if c.field == "review")],
        actor=review.actor,
    )
    await history.append(
        conn,
        record.record_id,
        actor=review.actor,
        action="reviewed",
        before={c.field: c.before for c in changes} or {"review": record.review},
        after={
            **{c.field: c.after for c in changes},
            "review": review_state,
            "mentions": [m.__dict__ for m in review.mentions],
        },
        note=review.note,
    )
    closed: list[NoticeRecord] = []
    own_role = next((m.role for m in review.mentions if mpn_key(m.mpn) == own), "affected")
    if own_role != "affected":
        updated = await close_record(
            conn, updated, f"review: {new.mpn} is {own_role}", actor=review.actor
        )
        closed.append(updated)
    created = []
    for m in review.mentions:
        if m.role == "affected" and mpn_key(m.mpn) != own:
            made = await _create_affected(conn, updated, new, m.mpn, review)
            if made is not None:
                created.append(made)
    return ReviewResult(updated, tuple(changes), tuple(material), tuple(created), tuple(closed))


async def _create_affected(
    conn: asyncpg.Connection,
    record: NoticeRecord,
    facts: NoticeFacts,
    mpn: str,
    review: ReviewInput,
) -> NoticeRecord | None:
    """A record for a part the reviewer marked affected (None if the notice has it already)."""
    part_facts = NoticeFacts.from_dict({**facts.as_dict(), "mpn": mpn_key(mpn), "base_mpn": ""})
    key = identity_key(part_facts)
    if await conn.fetchval("SELECT 1 FROM notices WHERE identity_key = $1", key):
        return None
    made = await insert(
        conn,
        {
            "record_id": record_id_of(key),
            "identity_key": key,
            **facts_columns(part_facts),
            "state": "new",
            "review": "corrected",
            "confidence": record.confidence,
            "evidence": record.evidence,
            "mentions": record.mentions,
            "received_on": record.received_on,
            "ltb_since": record.ltb_since,
        },
    )
    await conn.execute(
        """
        INSERT INTO notice_sources (arrival_id, record_id, source, facts, confidence, outcome)
        VALUES ($1, $2, 'review', $3, $4, 'review')
        """,
        f"review:{record.record_id}:{made.record_id}",
        made.record_id,
        part_facts.as_dict(),
        record.confidence,
    )
    await add_revision(conn, made.record_id, 1, part_facts, cause="review", actor=review.actor)
    await history.append(
        conn,
        made.record_id,
        actor=review.actor,
        action="recorded",
        after={"from_record": record.record_id, "facts": part_facts.as_dict()},
        note=f"marked affected in the review of {record.record_id}. {review.note}".strip(),
    )
    return made
