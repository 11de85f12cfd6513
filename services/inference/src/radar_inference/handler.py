"""The inference stage: one notice in, one costed assessment out (published for the notifier)."""

from __future__ import annotations

import asyncpg

from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, Stage, parse_as
from radar_common.contracts import Assessment, NormalizedNotice
from radar_inference.crew import CrewNarrator
from radar_inference.engine import assess_notice, match_notice
from radar_inference.repository import save_assessment
from radar_inference.settings import InferenceSettings


def inference_stage(
    topology: Topology,
    pool: asyncpg.Pool,
    settings: InferenceSettings | None = None,
    narrator: CrewNarrator | None = None,
) -> Stage[NormalizedNotice, Assessment]:
    """The stage; ``narrator`` (the crew) only when an LLM is configured."""
    config = settings or InferenceSettings()

    async def handle(notice: NormalizedNotice, ctx: MessageContext) -> list[Assessment]:
        unit, total = str(notice.part_index), max(1, notice.part_count)
        match = await match_notice(pool, notice)
        await ctx.progress(
            "done",
            step="match",
            unit=unit,
            total_units=total,
            message=f"{notice.mpn}: {match.kind} match" + (f" {match.mpn}" if match.mpn else ""),
        )
        if await ctx.cancelled():
            return []
        assessment = await assess_notice(pool, notice, match, config)
        if narrator is not None:
            assessment = await narrator.narrate(assessment, notice, ctx.heartbeat)
        await ctx.progress(
            "done",
            step="assess",
            unit=unit,
            total_units=total,
            message=f"{notice.mpn}: {assessment.severity}, {assessment.recommended_action}, "
            f"LTB {assessment.ltb_quantity} ({assessment.currency} {assessment.ltb_cost}), "
            f"engine {assessment.engine}",
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
                "matched_mpn": stored.matched_mpn,
                "severity": stored.severity,
                "risk_score": stored.risk_score,
                "recommended_action": stored.recommended_action,
                "ltb_quantity": stored.ltb_quantity,
                "ltb_cost": stored.ltb_cost,
                "revenue_at_risk": stored.revenue_at_risk,
                "currency": stored.currency,
                "products": len(stored.where_used),
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
