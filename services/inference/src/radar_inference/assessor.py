"""Assessing a notice record: the engine, the alert decision, the crew, storing and linking.

Both the notice stage (an arrival) and the work stage (re-assessments, reminders, closures) come
here, so an assessment is made the same way whatever asked for it. Its id says what makes it
itself, which is what keeps the work idempotent across redeliveries and replicas:

- a new or changed version of the facts (arrival, revision, review): record, facts version;
- a re-assessment with the same facts (catalog, daily): record, facts version, catalog-input
  fingerprint, as_of;
- a reminder: record, LTB date, offset;
- a closure: record.

An id already stored is returned as stored (the crew is not asked again, the alert decision
stands), so the notifier, which sends once per (assessment, channel), sees the same alert.

Every query of one assessment runs on one connection the caller holds: each round trip costs
more than the work it does (bench/reassess_bench.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg
from google.protobuf.json_format import ParseDict
from google.protobuf.timestamp_pb2 import Timestamp

from radar_common import llm_calls
from radar_common.contracts import Assessment
from radar_common.notices.assessments import Figures, latest_assessment, link_assessment
from radar_common.notices.facts import Change
from radar_common.notices.reassessment import input_fingerprints
from radar_common.notices.records import Executor, NoticeRecord
from radar_inference.alerting import choose_alert
from radar_inference.crew import CrewNarrator
from radar_inference.engine import Subject, assess, assessment_id_of, match_facts
from radar_inference.repository import save_assessment
from radar_inference.settings import InferenceSettings

Heartbeat = Callable[[], Awaitable[None]]


async def _no_heartbeat() -> None:
    return None


@dataclass(frozen=True)
class Origin:
    """Where the work comes from: its task and trace (empty for scheduled work)."""

    task_id: str = ""
    trace_id: str = ""
    notice_id: str = ""
    source: str = ""
    part_index: int = 0
    part_count: int = 1


def facts_assessment_id(record: NoticeRecord) -> str:
    return assessment_id_of(record.record_id, "facts", record.facts_version)


def inputs_assessment_id(record: NoticeRecord, fingerprint: str, as_of: date) -> str:
    return assessment_id_of(
        record.record_id, "inputs", record.facts_version, fingerprint, as_of.isoformat()
    )


def published_id(a: Assessment) -> str:
    """The message id of a published assessment: the same assessment published for another
    task (a review's re-assessment that the scheduler also asked for) is another message, so
    each task hears back from the notifier, which still alerts once per assessment."""
    return f"{a.assessment_id}.{a.task_id}"


def for_origin(a: Assessment, origin: Origin) -> Assessment:
    """A stored assessment, published again for the task now asking (when there is one)."""
    if origin.task_id and a.task_id != origin.task_id:
        a.task_id, a.trace_id = origin.task_id, origin.trace_id
        a.part_index, a.part_count = origin.part_index, max(1, origin.part_count)
    return a


async def stored_assessment(db: Executor, assessment_id: str) -> Assessment | None:
    body = await db.fetchval("SELECT body FROM assessments WHERE assessment_id = $1", assessment_id)
    return None if body is None else ParseDict(body, Assessment(), ignore_unknown_fields=True)


async def fingerprint_of(db: Executor, record: NoticeRecord) -> str:
    found = await input_fingerprints(db, [record.record_id])
    return found.get(record.record_id, "")


@dataclass
class Assessor:
    settings: InferenceSettings
    narrator: CrewNarrator | None = None

    async def assess_record(
        self,
        conn: asyncpg.Connection,
        record: NoticeRecord,
        *,
        trigger: str,
        as_of: date,
        assessment_id: str,
        origin: Origin,
        fact_changes: Sequence[Change] = (),
        fingerprint: str | None = None,
        heartbeat: Heartbeat = _no_heartbeat,
    ) -> Assessment:
        """Assess the record's current facts as of ``as_of``; stored and linked, once."""
        if self.narrator is not None:
            # Worth a query: a repeat must not ask the crew again. Without one, a repeat's
            # save finds the stored assessment anyway.
            stored = await stored_assessment(conn, assessment_id)
            if stored is not None:
                return for_origin(stored, origin)
        used = fingerprint if fingerprint is not None else await fingerprint_of(conn, record)
        match = await match_facts(conn, record.facts)
        subject = Subject.of_record(
            record,
            as_of=as_of,
            assessment_id=assessment_id,
            notice_id=origin.notice_id,
            task_id=origin.task_id,
            trace_id=origin.trace_id,
            source=origin.source,
            part_index=origin.part_index,
            part_count=origin.part_count,
        )
        a = await assess(conn, subject, match, self.settings)
        if trigger == "reminder":
            a.reminder_days = (record.effective_ltb - as_of).days if record.effective_ltb else 0
        choose_alert(
            a,
            trigger=trigger,
            previous=Figures.of_record(record),
            fact_changes=fact_changes,
            settings=self.settings,
        )
        if self.narrator is not None and a.alert_kind != "none":
            a = await self.narrator.narrate(a, record.facts, heartbeat)
        stored = await save_assessment(conn, a)
        if stored is a:
            llm_calls.assessed(a.severity, a.engine)
        await link_assessment(conn, stored, fingerprint=used)
        return for_origin(stored, origin)

    async def closed_alert(
        self, conn: asyncpg.Connection, record: NoticeRecord, origin: Origin
    ) -> Assessment | None:
        """The alert that a notice was closed (only when it had been assessed, so alerted)."""
        assessment_id = assessment_id_of(record.record_id, "closed")
        stored = await stored_assessment(conn, assessment_id)
        if stored is not None:
            return for_origin(stored, origin)
        body = await latest_assessment(conn, record)
        if body is None:
            return None
        a = ParseDict(body, Assessment(), ignore_unknown_fields=True)
        previous_state = a.state or "new"
        a.assessment_id = assessment_id
        a.task_id, a.trace_id = origin.task_id, origin.trace_id
        a.notice_id = origin.notice_id or record.record_id
        a.part_index, a.part_count = origin.part_index, max(1, origin.part_count)
        a.state = "closed"
        a.recommended_action = "none"
        del a.options[:]
        f = record.facts
        notice = f" {f.notice_number}" if f.notice_number else ""
        a.narrative = (
            f"{f.manufacturer or 'The manufacturer'}'s notice{notice} for {f.mpn} is closed: "
            f"{record.closed_reason}. No action is needed for this part any more."
        )
        a.engine = "rules"
        a.fallback_reason = ""
        computed = Timestamp()
        computed.GetCurrentTime()
        a.computed_at.CopyFrom(computed)
        choose_alert(
            a,
            trigger="closed",
            previous=None,
            settings=self.settings,
        )
        a.changes.add(field="state", before=previous_state, after="closed")
        stored = await save_assessment(conn, a)
        if stored is a:
            llm_calls.assessed(a.severity, a.engine)
        return stored
