"""Recording an arrival: the one place that decides whether a notice is new, known or changed.

Every normalized notice (one part of one event) is recorded here before it is assessed. Under
an advisory lock per part (so replicas handling two copies of a notice at once serialise):

1. **A redelivery** (its per-arrival ``notice_id`` already recorded) answers what was recorded
   the first time, changing nothing.
2. **A retraction** closes the open records of its part whose notice number it withdraws
   (``supersedes``, or its own number: a revision that removes the part).
3. **Otherwise the arrival is matched** to a record (:func:`match_record`):
   - by its identity key (manufacturer, notice number, part), or, for a numbered arrival, an
     open un-numbered record of the same part, kind and dates (which then takes the number);
   - without a number: a lifecycle-status report or a reactivation joins the newest open record
     of the part; any other notice its fallback key, else an open numbered record of the
     same part and kind whose stated dates agree.
4. **No match**: a new record (``needs_review`` when the arrival's review is pending).
   **A match**: a reactivation closes it (a reactivation notice, or a lifecycle-status report
   that the part is ``active`` again); an arrival whose revision label is older than the
   record's is kept as a source only (``stale``); otherwise the arrival's stated facts are laid
   over the record's (:func:`~radar_common.notices.facts.overlay`). If that moves a material
   fact the record is ``revised`` (its facts version goes up, the assessment is redone and one
   "changed" alert goes out); if not, the arrival is ``merged``: its source is added and the
   confidence rises (noisy-or of the sources), and no alert goes out.
5. A numbered arrival whose mentions mark parts as removed or not affected closes the open
   records of those parts under the same number.

Every outcome adds a ``notice_sources`` row and an audit entry in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from google.protobuf.json_format import MessageToDict

from radar_common.contracts import NormalizedNotice
from radar_common.notices import history
from radar_common.notices.facts import (
    STATUS_KINDS,
    Change,
    NoticeFacts,
    fact_differences,
    material_changes,
    overlay,
)
from radar_common.notices.identity import (
    identity_key,
    number_key,
    part_lock,
    record_id_of,
    revision_rank,
)
from radar_common.notices.records import (
    NoticeRecord,
    add_revision,
    facts_columns,
    get,
    insert,
    open_records_of_part,
    record_of,
    update,
)

ACTOR = "inference"
# Mention roles that take a part out of a notice.
REMOVED_ROLES = frozenset({"excluded", "not_affected"})
MAX_CONFIDENCE = 0.99


@dataclass(frozen=True)
class Arrival:
    """What recording one arrival did."""

    arrival_id: str
    record: NoticeRecord
    # new | merged | revised | stale | closed | retracted
    outcome: str
    changes: tuple[Change, ...] = ()
    # Recorded before: a redelivery of the same arrival.
    duplicate: bool = False
    # Other records this arrival closed (parts a revision removed, further retracted records).
    closed: tuple[NoticeRecord, ...] = ()

    @property
    def needs_assessment(self) -> bool:
        """Whether this arrival changed what the notice says (new or revised), so it is assessed."""
        return self.outcome in ("new", "revised")

    def summary(self) -> dict[str, Any]:
        """The entry of the task's ``result.notices``."""
        f = self.record.facts
        return {
            "notice_id": self.arrival_id,
            "record_id": self.record.record_id,
            "mpn": f.mpn,
            "manufacturer": f.manufacturer,
            "notice_number": f.notice_number,
            "kind": f.notice_kind,
            "review": self.record.review,
            "state": self.record.state,
            "outcome": self.outcome,
            "changes": [c.as_dict() for c in self.changes],
        }


def combine(a: float, b: float) -> float:
    """Confidence of two independent sources agreeing (noisy-or), capped below certainty."""
    return round(min(MAX_CONFIDENCE, 1 - (1 - a) * (1 - b)), 4)


def _day(ts: datetime | None) -> date:
    return (ts or datetime.now(UTC)).astimezone(UTC).date()


def _received_at(notice: NormalizedNotice) -> datetime | None:
    if notice.HasField("received_at") and notice.received_at.seconds:
        return notice.received_at.ToDatetime(tzinfo=UTC)
    return None


def _reading(notice: NormalizedNotice) -> dict[str, Any]:
    """What the arrival read: evidence, mentions, per-field confidence, review."""
    return {
        "evidence": [MessageToDict(e, preserving_proto_field_name=True) for e in notice.evidence],
        "mentions": [MessageToDict(m, preserving_proto_field_name=True) for m in notice.mentions],
        "field_confidence": {k: round(v, 4) for k, v in notice.field_confidence.items()},
        "review": "pending" if notice.review == "pending" else "",
        "review_reasons": list(notice.review_reasons),
    }


async def record_arrival(
    pool: asyncpg.Pool, notice: NormalizedNotice, *, source_format: str = ""
) -> Arrival:
    """Record one arriving notice and say what it was (see the module doc)."""
    facts = NoticeFacts.of_notice(notice)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", part_lock(facts.mpn))
        seen = await conn.fetchrow(
            "SELECT record_id, outcome, changes FROM notice_sources WHERE arrival_id = $1",
            notice.notice_id,
        )
        if seen is not None:
            return Arrival(
                notice.notice_id,
                await get(conn, seen["record_id"]),
                seen["outcome"],
                tuple(Change.from_dict(c) for c in seen["changes"]),
                duplicate=True,
            )
        recorder = _Recorder(conn, notice, facts, source_format)
        if facts.notice_kind == "retraction":
            return await recorder.retraction()
        target = await match_record(conn, facts)
        if target is None and reactivates(facts):
            # Nothing open to reactivate: kept for the record, closed at once.
            arrival = await recorder.create(
                state="closed", closed_reason="reactivation; no open notice of the part"
            )
        elif target is None:
            arrival = await recorder.create()
        elif reactivates(facts) and target.is_open:
            arrival = await recorder.close(target, "reactivated by the manufacturer")
        else:
            arrival = await recorder.join(target)
        removed = await recorder.close_removed_parts(arrival.record.record_id)
        if removed:
            arrival = Arrival(
                arrival.arrival_id,
                arrival.record,
                arrival.outcome,
                arrival.changes,
                closed=(*arrival.closed, *removed),
            )
        return arrival


def reactivates(facts: NoticeFacts) -> bool:
    """A reactivation notice, or a status report that the part is active (made) again."""
    return facts.notice_kind == "reactivation" or (
        facts.notice_kind in STATUS_KINDS and facts.lifecycle_status == "active"
    )


def _dates_agree(a: NoticeFacts, b: NoticeFacts) -> bool:
    """Every date both state is the same, and they state at least one in common."""
    common = [
        n
        for n in ("issue_date", "last_time_buy_date", "last_ship_date")
        if a.stated(n) and b.stated(n)
    ]
    return bool(common) and all(a.stated(n) == b.stated(n) for n in common)


async def match_record(conn: asyncpg.Connection, facts: NoticeFacts) -> NoticeRecord | None:
    """The record an arrival with these facts belongs to, if any (see the module doc)."""
    row = await conn.fetchrow("SELECT * FROM notices WHERE identity_key = $1", identity_key(facts))
    status_report = facts.notice_kind in STATUS_KINDS or facts.notice_kind == "reactivation"
    # A notice that arrives again joins its record even when closed (a retraction stands); a
    # status report only speaks about what is open.
    if row is not None and not (status_report and row["state"] == "closed"):
        return record_of(row)
    candidates = await open_records_of_part(conn, facts.manufacturer, facts.mpn)
    if number_key(facts.notice_number):
        for r in candidates:
            if (
                not number_key(r.facts.notice_number)
                and r.facts.notice_kind == facts.notice_kind
                and _dates_agree(r.facts, facts)
            ):
                return r
        return None
    if status_report:
        return candidates[0] if candidates else None
    for r in candidates:
        if r.facts.notice_kind == facts.notice_kind and _dates_agree(r.facts, facts):
            return r
    return None


class _Recorder:
    """The writes of one arrival, inside its transaction."""

    def __init__(
        self,
        conn: asyncpg.Connection,
        notice: NormalizedNotice,
        facts: NoticeFacts,
        source_format: str,
    ) -> None:
        self.conn, self.notice, self.facts, self.format = conn, notice, facts, source_format
        self.received_at = _received_at(notice)
        self.reading = _reading(notice)

    async def _source(self, record_id: str, outcome: str, changes: list[Change]) -> None:
        n = self.notice
        await self.conn.execute(
            """
            INSERT INTO notice_sources
                (arrival_id, record_id, event_id, task_id, trace_id, source, format, received_at,
                 facts, confidence, outcome, changes)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """,
            n.notice_id,
            record_id,
            n.event_id,
            n.task_id,
            n.trace_id,
            n.source,
            self.format,
            self.received_at,
            {**self.facts.as_dict(), **self.reading},
            round(n.confidence, 4),
            outcome,
            [c.as_dict() for c in changes],
        )

    def _arrival_note(self) -> dict[str, Any]:
        return {
            "arrival_id": self.notice.notice_id,
            "source": self.notice.source,
            "format": self.format,
            "task_id": self.notice.task_id,
            "confidence": round(self.notice.confidence, 4),
        }

    async def create(
        self, *, state: str | None = None, closed_reason: str = "", outcome: str = "new"
    ) -> Arrival:
        key = identity_key(self.facts)
        if await self.conn.fetchval("SELECT 1 FROM notices WHERE identity_key = $1", key):
            # Only a closed record can hold the key here (an open one would have matched): a
            # status report after a part's notice was closed starts a record of its own.
            key = f"{key}#{self.notice.notice_id[:16]}"
        pending = self.reading["review"] == "pending"
        record = await insert(
            self.conn,
            {
                "record_id": record_id_of(key),
                "identity_key": key,
                **facts_columns(self.facts),
                "state": state or ("needs_review" if pending else "new"),
                "review": self.reading["review"],
                "review_reasons": self.reading["review_reasons"],
                "confidence": round(self.notice.confidence, 4),
                "field_confidence": self.reading["field_confidence"],
                "evidence": self.reading["evidence"],
                "mentions": self.reading["mentions"],
                "closed_reason": closed_reason,
                "received_on": _day(self.received_at),
                "ltb_since": _day(self.received_at),
            },
        )
        await self._source(record.record_id, outcome, [])
        await add_revision(
            self.conn,
            record.record_id,
            1,
            self.facts,
            cause="arrival",
            arrival_id=self.notice.notice_id,
        )
        await history.append(
            self.conn,
            record.record_id,
            actor=ACTOR,
            action="recorded",
            after={**self._arrival_note(), "facts": self.facts.as_dict()},
            note=closed_reason,
        )
        return Arrival(self.notice.notice_id, record, outcome)

    async def close(self, target: NoticeRecord, reason: str) -> Arrival:
        record = await close_record(self.conn, target, reason, actor=ACTOR)
        change = Change("state", target.state, "closed")
        await self._source(target.record_id, "closed", [change])
        await self.conn.execute(
            "UPDATE notices SET sources_count = sources_count + 1 WHERE record_id = $1",
            target.record_id,
        )
        return Arrival(self.notice.notice_id, record, "closed", (change,))

    async def retraction(self) -> Arrival:
        numbers = [*self.facts.supersedes, self.facts.notice_number]
        targets = await open_records_of_part(
            self.conn, self.facts.manufacturer, self.facts.mpn, numbers=numbers
        )
        if not targets:
            return await self.create(
                state="closed",
                closed_reason="retraction of a notice not on record",
                outcome="retracted",
            )
        withdrawn = self.facts.notice_number or "a later notice"
        first = await self.close(targets[0], f"retracted by {withdrawn}")
        others = [
            await close_record(self.conn, t, f"retracted by {withdrawn}") for t in targets[1:]
        ]
        return Arrival(
            first.arrival_id, first.record, "closed", first.changes, closed=tuple(others)
        )

    async def join(self, target: NoticeRecord) -> Arrival:
        old, new = target.facts, self.facts
        a, b = revision_rank(new.revision), revision_rank(old.revision)
        stale = a is not None and b is not None and a < b
        merged = old if stale else overlay(old, new)
        changes = [] if stale else material_changes(old, merged, announced=target.received_on)
        differences = fact_differences(old, merged)
        values: dict[str, Any] = {
            "sources_count": target.sources_count + 1,
            "confidence": combine(target.confidence, self.notice.confidence),
            "field_confidence": self._field_confidence(target, merged),
        }
        if differences:
            values.update(facts_columns(merged))
            key = identity_key(merged)
            if key != target.identity_key and number_key(merged.notice_number):
                values["identity_key"] = key  # an un-numbered record takes the number
        outcome = "stale" if stale else "merged"
        if changes:
            outcome = "revised"
            values["facts_version"] = target.facts_version + 1
            values.update(
                {k: self.reading[k] for k in ("evidence", "mentions", "review", "review_reasons")}
            )
            if self.reading["review"] == "pending" and target.state == "new":
                values["state"] = "needs_review"
            if any(c.field == "last_time_buy_date" for c in changes):
                values["ltb_since"] = _day(self.received_at)
        record = await update(self.conn, target.record_id, values)
        await self._source(target.record_id, outcome, changes)
        if changes:
            await add_revision(
                self.conn,
                target.record_id,
                record.facts_version,
                merged,
                cause="arrival",
                changes=changes,
                arrival_id=self.notice.notice_id,
            )
        await history.append(
            self.conn,
            target.record_id,
            actor=ACTOR,
            action="revised" if changes else "merged",
            before={d.field: d.before for d in differences} or None,
            after={**self._arrival_note(), **({d.field: d.after for d in differences})},
            note="older revision: kept as a source only" if stale else "",
        )
        return Arrival(self.notice.notice_id, record, outcome, tuple(changes))

    def _field_confidence(self, target: NoticeRecord, merged: NoticeFacts) -> dict[str, float]:
        """Per field: sources that agree raise it; a new value takes the arrival's."""
        out = dict(target.field_confidence)
        for name, value in self.reading["field_confidence"].items():
            said = self.facts.stated(name) if hasattr(self.facts, name) else ""
            current = getattr(merged, name, None)
            if name not in out:
                out[name] = value
            elif said and said == current and said == getattr(target.facts, name, None):
                out[name] = combine(out[name], value)
            elif said and said == current:
                out[name] = value
        return out

    async def close_removed_parts(self, own_record: str) -> tuple[NoticeRecord, ...]:
        """Close the open records of parts this numbered notice marks removed/not affected."""
        if not number_key(self.facts.notice_number):
            return ()
        removed = {
            str(m.get("mpn", ""))
            for m in self.reading["mentions"]
            if m.get("role") in REMOVED_ROLES and m.get("mpn")
        }
        closed: list[NoticeRecord] = []
        for mpn in sorted(removed):
            await self.conn.execute("SELECT pg_advisory_xact_lock($1)", part_lock(mpn))
            for r in await open_records_of_part(
                self.conn, self.facts.manufacturer, mpn, numbers=[self.facts.notice_number]
            ):
                if r.record_id != own_record:
                    reason = f"removed from the notice by {self.facts.notice_number}"
                    if self.facts.revision:
                        reason += f" {self.facts.revision}"
                    closed.append(await close_record(self.conn, r, reason))
        return tuple(closed)


async def close_record(
    conn: asyncpg.Connection, record: NoticeRecord, reason: str, *, actor: str = ACTOR
) -> NoticeRecord:
    """Close a record (retracted, reactivated, not affected after review), with its audit entry."""
    closed = await update(conn, record.record_id, {"state": "closed", "closed_reason": reason})
    await history.append(
        conn,
        record.record_id,
        actor=actor,
        action="closed",
        before={"state": record.state},
        after={"state": "closed", "closed_reason": reason},
        note=reason,
    )
    return closed
