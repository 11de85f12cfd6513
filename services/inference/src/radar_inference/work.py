"""The work stage: re-assessments, reminders and closures of notice records.

Consumes :class:`NoticeWork` from the work stream (published by the scheduler and by the API
after a review) through the same runtime as every stage. Each kind of work is idempotent:

- ``reassess``: a record whose facts are ahead of its assessment gets the assessment of that
  facts version (asked for again once made — by the scheduler and by a review's task — the
  same assessment goes out again for the asking task: the notifier alerts once); otherwise
  the record is assessed as of the work's day with the current catalog — unless nothing moved
  (same day, same catalog inputs): then its latest assessment stands (published again only
  when this same work made it: a redelivery);
- ``remind``: only while the record is undecided and its LTB date is the reminder's; the
  reminder is recorded once (:func:`radar_common.notices.reminders.record_reminder`);
- ``close``: the "closed" alert of a record.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, PermanentError, Stage, parse_as
from radar_common.contracts import Assessment, NoticeWork
from radar_common.notices.clock import Clock
from radar_common.notices.dates import parse_day
from radar_common.notices.errors import NoticeNotFound
from radar_common.notices.facts import Change
from radar_common.notices.reassessment import facts_key, fingerprint_in
from radar_common.notices.records import NoticeRecord, get, revision_changes
from radar_common.notices.reminders import DueReminder, record_reminder, still_due
from radar_inference.assessor import (
    Assessor,
    Origin,
    facts_assessment_id,
    fingerprint_of,
    for_origin,
    inputs_assessment_id,
    published_id,
    stored_assessment,
)
from radar_inference.crew import CrewNarrator
from radar_inference.engine import assessment_id_of
from radar_inference.settings import InferenceSettings


class NoticeWorker:
    """What the work stage does, kind by kind."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: InferenceSettings,
        clock: Clock,
        narrator: CrewNarrator | None = None,
    ) -> None:
        self.pool, self.clock = pool, clock
        self.assessor = Assessor(settings, narrator)

    async def handle(self, work: NoticeWork, ctx: MessageContext) -> list[Assessment]:
        if ctx.task_id:
            await ctx.progress("skipped", step="normalize", message=f"{work.trigger} of a notice")
        async with self.pool.acquire() as conn:
            return await self._handle(conn, work, ctx)

    async def _handle(
        self, conn: asyncpg.Connection, work: NoticeWork, ctx: MessageContext
    ) -> list[Assessment]:
        unit, total = str(work.part_index), max(1, work.part_count)
        try:
            record = await get(conn, work.record_id)
        except NoticeNotFound as exc:
            raise PermanentError(f"work for an unknown notice record {work.record_id}") from exc
        origin = Origin(
            task_id=ctx.task_id,
            trace_id=ctx.trace_id,
            notice_id=record.record_id,
            source=work.trigger,
            part_index=work.part_index,
            part_count=total,
        )
        as_of = parse_day(work.as_of) or self.clock.today()
        await ctx.progress("done", step="match", unit=unit, total_units=total)
        result: Assessment | None
        if work.kind == "close":
            result = await self.assessor.closed_alert(conn, record, origin)
        elif not record.is_open:
            result = None
        elif work.kind == "remind":
            result = await self.remind(conn, record, work, as_of, origin, ctx)
        elif work.kind == "reassess":
            result = await self.reassess(conn, record, work, as_of, origin, ctx)
        else:
            raise PermanentError(f"unknown kind of notice work {work.kind!r}")
        summary = (
            f"{result.mpn}: {result.severity}, {result.recommended_action}, alert "
            f"{result.alert_kind}"
            if result is not None
            else f"nothing to do for record {record.record_id} ({record.state})"
        )
        await ctx.progress("done", step="assess", unit=unit, total_units=total, message=summary)
        await ctx.progress("done", step="persist", unit=unit, total_units=total)
        if result is None or result.alert_kind == "none":
            await ctx.progress(
                "skipped", step="notify", unit=unit, total_units=total, message="no alert"
            )
            return []
        return [result]

    async def reassess(
        self,
        conn: asyncpg.Connection,
        record: NoticeRecord,
        work: NoticeWork,
        as_of: date,
        origin: Origin,
        ctx: MessageContext,
    ) -> Assessment | None:
        # The scheduler computed the fingerprint for all notices at once: reuse it (a catalog
        # change since then moves it again, and the next sweep re-assesses).
        fingerprint = fingerprint_in(work.key, record.facts_version)
        if fingerprint is None:
            fingerprint = await fingerprint_of(conn, record)
        changes: list[Change] = []
        if work.key == facts_key(record.facts_version) and (
            record.assessed_facts_version >= record.facts_version
        ):
            # Another message made this very assessment (the scheduler asked too, or this is a
            # redelivery): the same alert again for this task; the notifier sends it once.
            stored = await stored_assessment(conn, facts_assessment_id(record))
            if stored is not None:
                return for_origin(stored, origin)
        if record.assessed_facts_version < record.facts_version:
            trigger = work.trigger if work.trigger in ("review", "revision") else "revision"
            assessment_id = facts_assessment_id(record)
            changes = await revision_changes(conn, record.record_id, record.facts_version)
        else:
            assessment_id = inputs_assessment_id(record, fingerprint, as_of)
            if record.as_of == as_of and record.inputs_fingerprint == fingerprint:
                # Nothing moved since the latest assessment. If this very work made it (a
                # redelivery after a crash), publish it again; any other work's stands alone.
                if record.assessment_id != assessment_id:
                    return None
                stored = await stored_assessment(conn, assessment_id)
                return for_origin(stored, origin) if stored is not None else None
            if fingerprint != record.inputs_fingerprint:
                trigger = "catalog"
            else:
                trigger = work.trigger if work.trigger in ("catalog", "daily") else "daily"
        return await self.assessor.assess_record(
            conn,
            record,
            trigger=trigger,
            as_of=as_of,
            assessment_id=assessment_id,
            origin=origin,
            fact_changes=changes,
            fingerprint=fingerprint,
            heartbeat=ctx.heartbeat,
        )

    async def remind(
        self,
        conn: asyncpg.Connection,
        record: NoticeRecord,
        work: NoticeWork,
        as_of: date,
        origin: Origin,
        ctx: MessageContext,
    ) -> Assessment | None:
        ltb_text, _, offset = work.key.partition(":")
        ltb = parse_day(ltb_text)
        if ltb is None or not offset.isdigit():
            raise PermanentError(f"reminder key {work.key!r} is not <LTB date>:<days>")
        if not await still_due(conn, record.record_id, ltb):
            return None  # decided, closed, or its LTB date moved since
        reminder = DueReminder(record.record_id, ltb, int(offset), (ltb - as_of).days)
        assessment = await self.assessor.assess_record(
            conn,
            record,
            trigger="reminder",
            as_of=as_of,
            assessment_id=assessment_id_of(record.record_id, "reminder", reminder.key),
            origin=origin,
            heartbeat=ctx.heartbeat,
        )
        await record_reminder(conn, reminder, assessment_id=assessment.assessment_id, today=as_of)
        return assessment


def work_stage(
    topology: Topology,
    pool: asyncpg.Pool,
    settings: InferenceSettings,
    clock: Clock,
    narrator: CrewNarrator | None = None,
) -> Stage[NoticeWork, Assessment]:
    worker = NoticeWorker(pool, settings, clock, narrator)
    return Stage(
        name="inference-work",
        step="assess",
        consumer=topology.notice_work_consumer,
        decode=parse_as(NoticeWork),
        handle=worker.handle,
        output_subject=topology.assessments,
        output_id=published_id,
    )
