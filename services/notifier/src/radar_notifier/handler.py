"""The notifier stage: one assessment in, alerts out, every notification recorded."""

from __future__ import annotations

import logging

import asyncpg
import httpx
from google.protobuf.json_format import MessageToDict

from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, Stage, parse_as
from radar_common.contracts import Assessment, NotificationResult
from radar_notifier.records import claim, finish
from radar_notifier.settings import NotifierSettings

log = logging.getLogger(__name__)


def notifier_stage(
    topology: Topology, pool: asyncpg.Pool, http: httpx.AsyncClient, settings: NotifierSettings
) -> Stage[Assessment, NotificationResult]:
    async def handle(a: Assessment, ctx: MessageContext) -> list[NotificationResult]:
        unit, total = str(a.part_index), max(1, a.part_count)
        channels = ["webhook"] if settings.webhook_url else ["log"]
        for channel in channels:
            record = await claim(pool, a.assessment_id, channel, a.task_id, a.trace_id)
            if record.state == "sent":
                continue
            if await ctx.cancelled():
                return []
            if channel == "webhook" and settings.webhook_url:
                body = MessageToDict(a, preserving_proto_field_name=True)
                response = await http.post(
                    settings.webhook_url,
                    json={"type": "radar.assessment", "data": body},
                    headers={"Idempotency-Key": record.notification_id, "X-Trace-Id": a.trace_id},
                )
                response.raise_for_status()
            else:
                log.warning(
                    "ALERT %s %s %s: %s", a.severity.upper(), a.manufacturer, a.mpn, a.narrative
                )
            await finish(pool, record.notification_id, "sent")
            await ctx.add_result(
                "notifications",
                {"notification_id": record.notification_id, "channel": channel, "state": "sent"},
                "notification_id",
            )
        await ctx.progress("done", step="notify", unit=unit, total_units=total)
        return []

    return Stage(
        name="notifier",
        step="notify",
        consumer=topology.notifier_consumer,
        decode=parse_as(Assessment),
        handle=handle,
    )
