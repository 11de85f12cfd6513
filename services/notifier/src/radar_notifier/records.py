"""Notification records: the intent is stored before sending, the outcome after.

The unique key (assessment_id, channel) makes each pair claimable by one sender at a time: a
claim is an atomic upsert that succeeds only for a new row, a row that failed transiently, or a
pending row whose lease has run out (its sender died mid-send). A live sender's lease is never
taken over, so two replicas cannot both send; a dead one's work is picked up by a redelivery.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

SETTLED = frozenset({"sent", "dead", "skipped"})


@dataclass(frozen=True)
class NotificationRecord:
    """One row of ``notifications``."""

    notification_id: str
    assessment_id: str
    task_id: str
    trace_id: str
    channel: str
    state: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None

    @property
    def settled(self) -> bool:
        return self.state in SETTLED

    def summary(self) -> dict[str, Any]:
        """What the task status shows for this notification."""
        return {
            "notification_id": self.notification_id,
            "channel": self.channel,
            "state": self.state,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


@dataclass(frozen=True)
class Claim:
    """The record after a claim, and whether this sender now holds it."""

    record: NotificationRecord
    owned: bool


def notification_id(assessment_id: str, channel: str) -> str:
    """Stable id of an (assessment, channel) pair; also the receivers' idempotency key."""
    return hashlib.sha256(f"{assessment_id}|{channel}".encode()).hexdigest()[:32]


def _record(row: asyncpg.Record) -> NotificationRecord:
    return NotificationRecord(**{f.name: row[f.name] for f in fields(NotificationRecord)})


async def claim(
    pool: asyncpg.Pool,
    *,
    assessment_id: str,
    channel: str,
    task_id: str,
    trace_id: str,
    owner: str,
    lease_seconds: float,
    route: str = "",
) -> Claim:
    """Record the intent to send and take the lease, if nobody holds it and it is not settled."""
    row = await pool.fetchrow(
        """
        INSERT INTO notifications AS n
            (notification_id, assessment_id, task_id, trace_id, channel, state,
             lease_owner, lease_until, route)
        VALUES ($1, $2, $3, $4, $5, 'pending',
                $6, clock_timestamp() + make_interval(secs => $7), $8)
        ON CONFLICT (assessment_id, channel) DO UPDATE
           SET state = 'pending', lease_owner = EXCLUDED.lease_owner,
               lease_until = EXCLUDED.lease_until, updated_at = clock_timestamp()
         WHERE n.state = 'failed'
            OR (n.state = 'pending'
                AND (n.lease_until IS NULL OR n.lease_until < clock_timestamp()))
        RETURNING *
        """,
        notification_id(assessment_id, channel),
        assessment_id,
        task_id,
        trace_id,
        channel,
        owner,
        lease_seconds,
        route,
    )
    if row is not None:
        return Claim(_record(row), owned=True)
    current = await pool.fetchrow(
        "SELECT * FROM notifications WHERE assessment_id = $1 AND channel = $2",
        assessment_id,
        channel,
    )
    assert current is not None  # the conflict that stopped the insert is this row
    return Claim(_record(current), owned=False)


async def renew(pool: asyncpg.Pool, notification: str, owner: str, lease_seconds: float) -> bool:
    """Extend the lease just before sending; False when it is no longer ours (do not send)."""
    value = await pool.fetchval(
        """
        UPDATE notifications
           SET lease_until = clock_timestamp() + make_interval(secs => $3),
               updated_at = clock_timestamp()
         WHERE notification_id = $1 AND lease_owner = $2 AND state = 'pending'
        RETURNING 1
        """,
        notification,
        owner,
        lease_seconds,
    )
    return bool(value == 1)


async def settle(
    pool: asyncpg.Pool,
    notification: str,
    owner: str,
    state: str,
    *,
    attempts: int,
    error: str | None = None,
) -> NotificationRecord | None:
    """Record the outcome and release the lease.

    ``sent`` is recorded whoever holds the lease (it is the truth); other outcomes only by the
    holder. A ``sent`` row is never changed again.
    """
    row = await pool.fetchrow(
        """
        UPDATE notifications
           SET state = $3, attempts = attempts + $4, last_error = $5,
               sent_at = CASE WHEN $3 = 'sent' THEN clock_timestamp() ELSE sent_at END,
               lease_owner = NULL, lease_until = NULL, updated_at = clock_timestamp()
         WHERE notification_id = $1 AND state <> 'sent' AND (lease_owner = $2 OR $3 = 'sent')
        RETURNING *
        """,
        notification,
        owner,
        state,
        attempts,
        error,
    )
    return _record(row) if row is not None else None


async def skip(
    pool: asyncpg.Pool,
    *,
    assessment_id: str,
    channel: str,
    task_id: str,
    trace_id: str,
    reason: str,
) -> None:
    """Record that a channel does not get this assessment (routing), unless already recorded."""
    await pool.execute(
        """
        INSERT INTO notifications
            (notification_id, assessment_id, task_id, trace_id, channel, state, last_error)
        VALUES ($1, $2, $3, $4, $5, 'skipped', $6)
        ON CONFLICT (assessment_id, channel) DO NOTHING
        """,
        notification_id(assessment_id, channel),
        assessment_id,
        task_id,
        trace_id,
        channel,
        reason,
    )


async def of_assessment(pool: asyncpg.Pool, assessment_id: str) -> list[NotificationRecord]:
    """Every notification of an assessment, by channel."""
    rows = await pool.fetch(
        "SELECT * FROM notifications WHERE assessment_id = $1 ORDER BY channel",
        assessment_id,
    )
    return [_record(r) for r in rows]


async def lease_remaining(pool: asyncpg.Pool, notification: str) -> float:
    """Seconds until another sender's lease runs out (by the database clock)."""
    value = await pool.fetchval(
        """
        SELECT GREATEST(0, EXTRACT(EPOCH FROM lease_until - clock_timestamp()))::float8
          FROM notifications WHERE notification_id = $1 AND state = 'pending'
        """,
        notification,
    )
    return float(value or 0.0)


async def give_up(pool: asyncpg.Pool, notification: str, reason: str) -> bool:
    """Mark a transiently failed notification dead (its message is on its last delivery)."""
    value = await pool.fetchval(
        """
        UPDATE notifications SET state = 'dead', last_error = $2, updated_at = clock_timestamp()
         WHERE notification_id = $1 AND state = 'failed'
        RETURNING 1
        """,
        notification,
        reason,
    )
    return bool(value == 1)


async def revive(pool: asyncpg.Pool, assessment_id: str, channel: str) -> bool:
    """Make a dead notification sendable again (an operator replayed its dead letter)."""
    value = await pool.fetchval(
        """
        UPDATE notifications
           SET state = 'failed', last_error = 'replayed after: ' || coalesce(last_error, ''),
               updated_at = clock_timestamp()
         WHERE assessment_id = $1 AND channel = $2 AND state = 'dead'
        RETURNING 1
        """,
        assessment_id,
        channel,
    )
    return bool(value == 1)
