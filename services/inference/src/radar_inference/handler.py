"""The inference stage: one notice in, one costed assessment out."""

from __future__ import annotations

import asyncpg

from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, Stage, parse_as
from radar_common.contracts import Assessment, NormalizedNotice
from radar_inference.engine import assess
from radar_inference.repository import save_assessment


def inference_stage(topology: Topology, pool: asyncpg.Pool) -> Stage[NormalizedNotice, Assessment]:
    async def handle(notice: NormalizedNotice, ctx: MessageContext) -> list[Assessment]:
        unit, total = str(notice.part_index), max(1, notice.part_count)
        await ctx.progress("done", step="match", unit=unit, total_units=total)
        if await ctx.cancelled():
            return []
        assessment = await assess(notice, pool)
        await ctx.progress(
            "done",
            step="assess",
            unit=unit,
            total_units=total,
            message=f"{notice.mpn}: {assessment.severity}, {assessment.recommended_action}",
        )
        if await ctx.cancelled():
            return []
        stored = await save_assessment(pool, assessment)
        await ctx.progress("done", step="persist", unit=unit, total_units=total)
        await ctx.add_result(
            "assessments",
            {
                "assessment_id": stored.assessment_id,
                "mpn": stored.mpn,
                "severity": stored.severity,
                "recommended_action": stored.recommended_action,
                "engine": stored.engine,
            },
            "assessment_id",
        )
        return [stored]

    return Stage(
        name="inference",
        step="assess",
        consumer=topology.inference_consumer,
        decode=parse_as(NormalizedNotice),
        handle=handle,
        output_subject=topology.assessments,
        output_id=lambda a: a.assessment_id,
    )
