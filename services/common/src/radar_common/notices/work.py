"""Asking for work on a notice record: one JetStream message per piece of work.

Re-assessments, reminders and closures travel as :class:`NoticeWork` on the work subject and
are handled by the inference service's work stage, through the same runtime as every message
(acks, retries, dead letters, task progress). The message id is made of the record, the kind
of work and its key, so asking twice within the stream's duplicate window stores it once; past
the window the handler's idempotency (stable assessment ids, see
``radar_inference.assessor``) keeps the outcome single.
"""

from __future__ import annotations

from datetime import date

from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.contracts import NoticeWork


def work_message_id(work: NoticeWork, task_id: str = "") -> str:
    """Stable per piece of work, and per task: the scheduler asking for a review's
    re-assessment must not swallow the message the review's own task waits for."""
    base = f"work:{work.record_id}:{work.kind}:{work.key}"
    return f"{base}:{task_id}" if task_id else base


def reassess(
    record_id: str,
    *,
    trigger: str,
    key: str,
    as_of: date | None = None,
    actor: str = "scheduler",
    part_index: int = 0,
    part_count: int = 1,
) -> NoticeWork:
    """Work: assess the record again (``trigger``: review, revision, catalog, daily)."""
    work = NoticeWork(
        record_id=record_id,
        kind="reassess",
        trigger=trigger,
        key=key,
        as_of=as_of.isoformat() if as_of else "",
        actor=actor,
        part_index=part_index,
        part_count=part_count,
    )
    work.requested_at.GetCurrentTime()
    return work


async def request_work(
    bus: Bus, work: NoticeWork, *, task_id: str = "", trace_id: str = ""
) -> None:
    """Publish the work and wait until JetStream stored it (raises PublishError otherwise)."""
    headers = {TASK_ID_HEADER: task_id, TRACE_ID_HEADER: trace_id} if task_id else {}
    await bus.publish(
        bus.topology.notice_work,
        work.SerializeToString(),
        msg_id=work_message_id(work, task_id),
        headers=headers,
    )
