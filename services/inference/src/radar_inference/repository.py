"""Persisting assessments (idempotent on notice_id)."""

from __future__ import annotations

import asyncpg
from google.protobuf.json_format import MessageToDict

from radar_common.contracts import Assessment


async def save_assessment(pool: asyncpg.Pool, a: Assessment) -> Assessment:
    """Insert the assessment once; a redelivered notice returns the stored one unchanged."""
    body = MessageToDict(a, preserving_proto_field_name=True)
    row = await pool.fetchrow(
        """
        INSERT INTO assessments
            (assessment_id, notice_id, task_id, trace_id, mpn, severity, engine, body, computed_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
        ON CONFLICT (notice_id) DO UPDATE SET notice_id = EXCLUDED.notice_id
        RETURNING assessment_id, body
        """,
        a.assessment_id,
        a.notice_id,
        a.task_id,
        a.trace_id,
        a.mpn,
        a.severity,
        a.engine,
        body,
    )
    assert row is not None
    if row["assessment_id"] == a.assessment_id:
        return a
    stored = Assessment()
    from google.protobuf.json_format import ParseDict

    ParseDict(row["body"], stored)
    return stored
