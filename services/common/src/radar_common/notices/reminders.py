"""Reminders before a notice's LTB date, at set offsets (default 90, 30 and 7 days), until decided.

A reminder is due for a record when all of these hold:

- nobody has decided yet (state ``new``, ``needs_review`` or ``acknowledged``);
- its latest assessment still asks for a last-time buy: the LTB date is ahead
  (``ltb_passed`` false), ``ltb_quantity`` > 0 and the severity is above ``info``;
- today is within the largest offset of the LTB date; the offset due is the smallest one that
  is at least the days left (40 days left with offsets 90/30/7: the 90-day reminder; 20 left:
  the 30-day one — after an outage only the latest reminder goes, not every missed one);
- the LTB date was already known before that offset's day (a notice that arrives 20 days before
  its LTB date gets its first alert, not also a "30 days left" reminder);
- that (record, LTB date, offset) was not reminded before. A revision that moves the LTB date
  starts the offsets again for the new date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from radar_common.notices import history
from radar_common.notices.records import UNDECIDED_STATES, Executor, transaction


@dataclass(frozen=True)
class DueReminder:
    """A reminder due for a record: ``offset_days`` before its LTB date."""

    record_id: str
    ltb: date
    offset_days: int
    days_left: int

    @property
    def key(self) -> str:
        """What identifies the reminder (its LTB date and offset), so it is sent once."""
        return f"{self.ltb.isoformat()}:{self.offset_days}"


def parse_offsets(text: str) -> tuple[int, ...]:
    """``"90,30,7"`` -> (90, 30, 7); refuses what is not a positive whole number of days."""
    values = sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)
    if not values or values[-1] < 1:
        raise ValueError(f"reminder offsets must be positive days, e.g. 90,30,7; got {text!r}")
    return tuple(values)


def offset_due(days_left: int, offsets: tuple[int, ...]) -> int | None:
    """The smallest offset that is at least ``days_left`` (None when beyond every offset)."""
    fitting = [o for o in offsets if o >= days_left]
    return min(fitting) if fitting else None


async def due_reminders(
    db: Executor, today: date, offsets: tuple[int, ...], *, limit: int = 10_000
) -> list[DueReminder]:
    """Reminders due today (see the module doc), nearest LTB date first."""
    rows = await db.fetch(
        """
        SELECT n.record_id, n.effective_ltb, n.ltb_since FROM notices n
        WHERE n.state = ANY($1::text[]) AND NOT n.ltb_passed AND n.ltb_quantity > 0
          AND n.severity NOT IN ('', 'info')
          AND n.effective_ltb BETWEEN $2 AND $3
        ORDER BY n.effective_ltb, n.record_id
        LIMIT $4
        """,
        list(UNDECIDED_STATES),
        today,
        today + timedelta(days=max(offsets)),
        limit,
    )
    candidates = []
    for r in rows:
        days_left = (r["effective_ltb"] - today).days
        offset = offset_due(days_left, offsets)
        if offset is None:
            continue
        if r["ltb_since"] is not None and r["ltb_since"] >= r["effective_ltb"] - timedelta(offset):
            continue
        candidates.append(DueReminder(r["record_id"], r["effective_ltb"], offset, days_left))
    if not candidates:
        return []
    sent = await db.fetch(
        "SELECT record_id, ltb, offset_days FROM notice_reminders"
        " WHERE record_id = ANY($1::text[])",
        [c.record_id for c in candidates],
    )
    done = {(s["record_id"], s["ltb"], s["offset_days"]) for s in sent}
    return [c for c in candidates if (c.record_id, c.ltb, c.offset_days) not in done]


async def still_due(db: Executor, record_id: str, ltb: date) -> bool:
    """At handling time: the record is undecided and its LTB date is still this one."""
    value = await db.fetchval(
        "SELECT 1 FROM notices WHERE record_id = $1 AND state = ANY($2::text[])"
        " AND effective_ltb = $3",
        record_id,
        list(UNDECIDED_STATES),
        ltb,
    )
    return bool(value == 1)


async def record_reminder(
    db: Executor,
    reminder: DueReminder,
    *,
    assessment_id: str,
    today: date,
    actor: str = "scheduler",
) -> bool:
    """Record that the reminder went out (once: False when it already had)."""
    async with transaction(db) as conn:
        inserted = await conn.fetchval(
            """
            INSERT INTO notice_reminders (record_id, ltb, offset_days, assessment_id, sent_on)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1
            """,
            reminder.record_id,
            reminder.ltb,
            reminder.offset_days,
            assessment_id,
            today,
        )
        if inserted != 1:
            return False
        await history.append(
            conn,
            reminder.record_id,
            actor=actor,
            action="reminded",
            after={
                "last_time_buy_date": reminder.ltb.isoformat(),
                "offset_days": reminder.offset_days,
                "days_left": reminder.days_left,
                "assessment_id": assessment_id,
            },
        )
        return True
