"""Asking for work on a notice record: one JetStream message per piece of work.

Re-assessments, reminders and closures travel as :class:`NoticeWork` on the work subject and
are handled by the inference service's work stage, through the same runtime as every message
(acks, retries, dead letters, task progress). The message id is made of the record, the kind
of work and its key, so asking twice within the stream's duplicate window stores it once; past
the window the handler's idempotency (stable assessment ids, see
``radar_inference.assessor``) keeps the outcome single.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus, PublishError
from radar_common.contracts import NoticeWork
from radar_common.notices.reassessment import facts_key
from radar_common.notices.records import NoticeRecord
from radar_common.tasks import Task, TaskStore

log = logging.getLogger(__name__)


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


async def queue_review_work(
    bus: Bus,
    tasks: TaskStore,
    to_assess: Sequence[NoticeRecord],
    to_close: Sequence[NoticeRecord],
    *,
    actor: str,
    public_url: str,
) -> dict[str, Any]:
    """One task re-assessing (and announcing the closure of) the records a review touched.

    The API's and the console's review both end here. When the work cannot be queued the
    review stays stored and the scheduler re-assesses what it changed at its next tick
    (``queued`` false); the cause is logged, never answered.
    """
    works = [
        reassess(r.record_id, trigger="review", key=facts_key(r.facts_version), actor=actor)
        for r in to_assess
    ]
    works += [
        NoticeWork(record_id=r.record_id, kind="close", trigger="closed", key="closed", actor=actor)
        for r in to_close
    ]
    task_id, trace_id = uuid.uuid4().hex, uuid.uuid4().hex
    for i, w in enumerate(works):
        w.part_index, w.part_count = i, len(works)
    try:
        await tasks.create(Task.new(task_id, trace_id, source="review", format="review"))
        for w in works:
            await request_work(bus, w, task_id=task_id, trace_id=trace_id)
    except (PublishError, OSError, TimeoutError) as exc:
        log.warning("re-assessment of a review by %r not queued: %r", actor, exc)
        return {"queued": False, "detail": "re-assessment left to the scheduler's next tick"}
    return {
        "queued": True,
        "task_id": task_id,
        "trace_id": trace_id,
        "status_url": f"{public_url.rstrip('/')}/v1/tasks/{task_id}",
        "records": [w.record_id for w in works],
    }
