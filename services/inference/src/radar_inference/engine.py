"""The assessment of one notice. This first version grades by lifecycle status only; the full
impact engine (catalog, where-used, LTB math, the crew) replaces it behind the same function."""

from __future__ import annotations

import hashlib

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

from radar_common.contracts import Assessment, NormalizedNotice

_SEVERITY = {"obsolete": "high", "eol": "medium", "nrnd": "low", "active": "info", "unknown": "low"}


async def assess(notice: NormalizedNotice, pool: asyncpg.Pool) -> Assessment:
    computed = Timestamp()
    computed.GetCurrentTime()
    assessment_id = hashlib.sha256(f"assessment|{notice.notice_id}".encode()).hexdigest()[:32]
    return Assessment(
        assessment_id=assessment_id,
        notice_id=notice.notice_id,
        task_id=notice.task_id,
        trace_id=notice.trace_id,
        mpn=notice.mpn,
        match_kind="none",
        currency="USD",
        ltb_cost="0.00",
        revenue_at_risk="0.00",
        recommended_action="none",
        severity=_SEVERITY.get(notice.lifecycle_status, "low"),
        risk_score=0.0,
        narrative=f"{notice.manufacturer or 'The manufacturer'} reports {notice.mpn} as "
        f"{notice.lifecycle_status}.",
        engine="rules",
        computed_at=computed,
        manufacturer=notice.manufacturer,
        notice_number=notice.notice_number,
        notice_kind=notice.notice_kind,
        lifecycle_status=notice.lifecycle_status,
        last_time_buy_date=notice.last_time_buy_date,
        last_ship_date=notice.last_ship_date,
        replacement_mpn=notice.replacement_mpn,
        source=notice.source,
        part_index=notice.part_index,
        part_count=notice.part_count,
    )
