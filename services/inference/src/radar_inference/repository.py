"""Persisting assessments, idempotent on ``assessment_id``.

An assessment's id is made of what makes it itself (its notice record and facts version, or
its inputs and day, or its reminder: :mod:`radar_inference.assessor`), so a redelivered message
or a second replica doing the same work gets the stored assessment back, alert decision
included, and the notifier sees the same id again.
"""

from __future__ import annotations

from datetime import UTC

import asyncpg
from google.protobuf.json_format import MessageToDict, ParseDict

from radar_common.contracts import Assessment


def assessment_body(a: Assessment) -> dict[str, object]:
    """The JSON document stored in ``assessments.body`` (proto field names)."""
    return MessageToDict(a, preserving_proto_field_name=True)


async def save_assessment(db: asyncpg.Pool | asyncpg.Connection, a: Assessment) -> Assessment:
    """Insert the assessment once; a second save of the same id gets the stored one back."""
    row = await db.fetchrow(
        """
        WITH inserted AS (
            INSERT INTO assessments
                (assessment_id, notice_id, task_id, trace_id, mpn, severity, engine, body,
                 computed_at, matched_mpn, match_kind, recommended_action, risk_score,
                 record_id, trigger, alert_kind)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            ON CONFLICT (assessment_id) DO NOTHING
            RETURNING assessment_id
        )
        SELECT true AS fresh, NULL::jsonb AS body FROM inserted
        UNION ALL
        SELECT false, body FROM assessments
        WHERE assessment_id = $1 AND NOT EXISTS (SELECT 1 FROM inserted)
        """,
        a.assessment_id,
        a.notice_id,
        a.task_id,
        a.trace_id,
        a.mpn,
        a.severity,
        a.engine,
        assessment_body(a),
        a.computed_at.ToDatetime(tzinfo=UTC),
        a.matched_mpn,
        a.match_kind,
        a.recommended_action,
        a.risk_score,
        a.record_id or None,
        a.trigger or "arrival",
        a.alert_kind or "new",
    )
    assert row is not None
    if row["fresh"]:
        return a
    return ParseDict(row["body"], Assessment(), ignore_unknown_fields=True)
