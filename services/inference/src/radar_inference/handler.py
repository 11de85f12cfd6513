"""The inference stage: one arriving notice in; recorded, assessed when new or changed, alerted.

Each normalized notice is first recorded (:func:`radar_common.notices.arrivals.record_arrival`),
which says whether it is a new notice, a copy of a known one (merged: no second alert), a
revision (one "changed" alert), or a closure. Only new and revised notices are assessed; the
task's ``result.notices`` lists the record and the outcome of every part.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
from google.protobuf.json_format import ParseDict

from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, PermanentError, Stage, parse_as
from radar_common.contracts import Assessment, NormalizedNotice
from radar_common.notices.arrivals import Arrival, record_arrival
from radar_common.notices.assessments import latest_assessment
from radar_common.notices.records import revision_changes
from radar_inference.assessor import Assessor, Origin, facts_assessment_id, published_id
from radar_inference.crew import CrewNarrator
from radar_inference.engine import Subject
from radar_inference.settings import InferenceSettings

TaskFormat = Callable[[str], Awaitable[str]]


async def _no_format(task_id: str) -> str:
    return ""


def assessment_summary(a: Assessment) -> dict[str, Any]:
    """The entry of the task's ``result.assessments``."""
    return {
        "assessment_id": a.assessment_id,
        "record_id": a.record_id,
        "mpn": a.mpn,
        "matched_mpn": a.matched_mpn,
        "severity": a.severity,
        "risk_score": a.risk_score,
        "recommended_action": a.recommended_action,
        "ltb_quantity": a.ltb_quantity,
        "ltb_cost": a.ltb_cost,
        "revenue_at_risk": a.revenue_at_risk,
        "currency": a.currency,
        "products": len(a.where_used),
        "engine": a.engine,
        "alert_kind": a.alert_kind,
    }


def _outcome_message(arrival: Arrival) -> str:
    r = arrival.record
    return {
        "merged": f"same notice as record {r.record_id} ({r.sources_count} sources): "
        "merged, no second alert",
        "stale": f"an older revision of record {r.record_id}: kept as a source, no alert",
        "retracted": "retraction of a notice not on record: nothing to close",
        "closed": f"record {r.record_id} closed: {r.closed_reason}",
    }.get(arrival.outcome, f"record {r.record_id}: {arrival.outcome}")


def inference_stage(
    topology: Topology,
    pool: asyncpg.Pool,
    settings: InferenceSettings,
    narrator: CrewNarrator | None = None,
    *,
    task_format: TaskFormat = _no_format,
) -> Stage[NormalizedNotice, Assessment]:
    """The stage; ``narrator`` (the crew) only when an LLM is configured; ``task_format``
    names the format of a task's event (recorded with each arrival)."""
    assessor = Assessor(settings, narrator)

    async def handle(notice: NormalizedNotice, ctx: MessageContext) -> list[Assessment]:
        if not notice.mpn:
            raise PermanentError("notice without a part number")
        unit, total = str(notice.part_index), max(1, notice.part_count)
        arrival = await record_arrival(
            pool, notice, source_format=await task_format(notice.task_id)
        )
        await ctx.add_result("notices", arrival.summary(), "notice_id")
        origin = Origin(
            task_id=notice.task_id,
            trace_id=notice.trace_id,
            notice_id=notice.notice_id,
            source=notice.source,
            part_index=notice.part_index,
            part_count=total,
        )
        if arrival.needs_assessment and await ctx.cancelled():
            return []
        async with pool.acquire() as conn:
            outputs = await _after_arrival(assessor, conn, arrival, notice, origin, ctx)
        sent = [a for a in outputs if a.alert_kind != "none"]
        if not sent:
            await ctx.progress(
                "skipped",
                step="notify",
                unit=unit,
                total_units=total,
                message=f"no alert: {_outcome_message(arrival)}",
            )
        return sent

    return Stage(
        name="inference",
        step="assess",
        consumer=topology.inference_consumer,
        decode=parse_as(NormalizedNotice),
        handle=handle,
        output_subject=topology.assessments,
        output_id=published_id,
    )


async def _after_arrival(
    assessor: Assessor,
    conn: asyncpg.Connection,
    arrival: Arrival,
    notice: NormalizedNotice,
    origin: Origin,
    ctx: MessageContext,
) -> list[Assessment]:
    """Assess a new or revised notice; announce closures; report the steps of this part."""
    unit, total = str(origin.part_index), origin.part_count
    outputs: list[Assessment] = []
    if arrival.needs_assessment:
        day = Subject.of_notice(notice).as_of  # the day it was received
        outputs.append(await _assess_arrival(assessor, conn, arrival, origin, day, ctx))
    else:
        await ctx.progress("done", step="match", unit=unit, total_units=total)
        await ctx.progress(
            "done", step="assess", unit=unit, total_units=total, message=_outcome_message(arrival)
        )
        body = await latest_assessment(conn, arrival.record)
        if body is not None:
            current = ParseDict(body, Assessment(), ignore_unknown_fields=True)
            await ctx.add_result("assessments", assessment_summary(current), "assessment_id")
        if arrival.outcome == "closed":
            closed = await assessor.closed_alert(conn, arrival.record, origin)
            if closed is not None:
                outputs.append(closed)
        await ctx.progress("done", step="persist", unit=unit, total_units=total)
    for other in arrival.closed:
        closed = await assessor.closed_alert(conn, other, origin)
        if closed is not None:
            outputs.append(closed)
    return outputs


async def _assess_arrival(
    assessor: Assessor,
    conn: asyncpg.Connection,
    arrival: Arrival,
    origin: Origin,
    as_of: date,
    ctx: MessageContext,
) -> Assessment:
    record = arrival.record
    unit, total = str(origin.part_index), origin.part_count
    trigger = "arrival" if arrival.outcome == "new" else "revision"
    changes = await revision_changes(conn, record.record_id, record.facts_version)
    await ctx.progress(
        "done",
        step="match",
        unit=unit,
        total_units=total,
        message=f"{record.facts.mpn}: record {record.record_id} ({arrival.outcome})",
    )
    stored = await assessor.assess_record(
        conn,
        record,
        trigger=trigger,
        as_of=as_of,
        assessment_id=facts_assessment_id(record),
        origin=origin,
        fact_changes=changes,
        heartbeat=ctx.heartbeat,
    )
    await ctx.progress(
        "done",
        step="assess",
        unit=unit,
        total_units=total,
        message=f"{stored.mpn}: {stored.severity}, {stored.recommended_action}, "
        f"LTB {stored.ltb_quantity} ({stored.currency} {stored.ltb_cost}), engine {stored.engine}, "
        f"alert {stored.alert_kind}",
    )
    await ctx.progress("done", step="persist", unit=unit, total_units=total)
    await ctx.add_result("assessments", assessment_summary(stored), "assessment_id")
    return stored
