"""Notification records: the intent is stored before sending, the outcome after.

The unique key (assessment_id, channel) makes each pair sendable at most once, whichever
replica or redelivery gets there first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class NotificationRecord:
    notification_id: str
    assessment_id: str
    channel: str
    state: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None


def notification_id(assessment_id: str, channel: str) -> str:
    return hashlib.sha256(f"{assessment_id}|{channel}".encode()).hexdigest()[:32]


async def claim(
    pool: asyncpg.Pool, assessment_id: str, channel: str, task_id: str, trace_id: str
) -> NotificationRecord:
    """Record the intent to send (once) and return the current record."""
    row = await pool.fetchrow(
        """
        INSERT INTO notifications
            (notification_id, assessment_id, task_id, trace_id, channel, state)
        VALUES ($1, $2, $3, $4, $5, 'pending')
        ON CONFLICT (assessment_id, channel) DO UPDATE SET updated_at = now()
        RETURNING notification_id, assessment_id, channel, state, attempts, last_error, sent_at
        """,
        notification_id(assessment_id, channel),
        assessment_id,
        task_id,
        trace_id,
        channel,
    )
    assert row is not None
    return NotificationRecord(**dict(row))


async def finish(
    pool: asyncpg.Pool, notification: str, state: str, *, error: str | None = None
) -> None:
    await pool.execute(
        """
        UPDATE notifications
           SET state = $2, attempts = attempts + 1, last_error = $3, updated_at = now(),
               sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
         WHERE notification_id = $1
        """,
        notification,
        state,
        error,
    )
