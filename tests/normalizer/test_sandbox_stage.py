"""Hostile attachments through the real stage, in the real Worker, against a real nats-server.

Each hostile event must end at its deadline as a dead letter that says why, and the good event
sent right after it must still become a notice.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from radar_cli.infra import NatsServer
from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.topology import Topology
from radar_common.bus.worker import Worker
from radar_common.contracts import Attachment, DeadLetter, NormalizedNotice, RawEvent
from radar_common.settings import WorkerSettings
from radar_common.tasks import TaskStore
from radar_common.tasks.model import Task, TaskState
from radar_normalizer.handler import normalizer_stage
from radar_normalizer.sandbox import ExtractionSandbox, SandboxLimits
from tests.support.hostile_files import XLSX_CONTENT_TYPE, huge_dimension_xlsx, text_operator_pdf

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    suffix = uuid.uuid4().hex[:8]
    topology = Topology(stream_prefix=f"SBX{suffix}", subject_prefix=f"sbx{suffix}")
    async with await Bus.connect(nats_server.url, topology, name="test-sandbox") as b:
        await b.ensure_topology(max_deliver=3, ack_wait_seconds=5)
        yield b


def mail(name: str, text: str, attachment: Attachment | None = None) -> RawEvent:
    event = RawEvent(
        event_id=f"ev-{name}",
        task_id=f"task-{name}",
        trace_id=uuid.uuid4().hex,
        source="email_gateway",
        format="email_forward",
        payload_json=json.dumps(
            {"sender_domain": "example.com", "subject_line": "PDN", "body_content": text}
        ),
    )
    if attachment is not None:
        event.attachments.append(attachment)
    return event


async def publish(bus: Bus, tasks: TaskStore, event: RawEvent) -> None:
    await tasks.create(Task.new(event.task_id, event.trace_id, source=event.source))
    await bus.publish(
        bus.topology.raw_events,
        event.SerializeToString(),
        msg_id=event.event_id,
        headers={TASK_ID_HEADER: event.task_id, TRACE_ID_HEADER: event.trace_id},
    )


async def next_message(bus: Bus, subject: str, stream: str) -> bytes:
    sub = await bus.js.pull_subscribe(subject, stream=stream)
    try:
        [msg] = await sub.fetch(1, timeout=60)
        await msg.ack()
        return msg.data
    finally:
        await sub.unsubscribe()


@pytest.mark.parametrize(
    ("attachment", "budget", "reason"),
    [
        (
            Attachment(filename="notice.pdf", content_type="application/pdf"),
            3.0,
            "with notice.pdf was stopped at its deadline: reading it took longer than the "
            "event's 3s budget (RADAR_EVENT_BUDGET_SECONDS)",
        ),
        (
            # Read well within its budget now that columns are capped (without the cap it
            # would be killed at the deadline): it names no part, and says so.
            Attachment(filename="parts.xlsx", content_type=XLSX_CONTENT_TYPE),
            20.0,
            "no part number found in the email_forward event from email_gateway "
            "(attachments: parts.xlsx)",
        ),
    ],
    ids=["pdf-200k-text-operators", "xlsx-A1-XFD1048576"],
)
async def test_a_hostile_attachment_dies_at_its_deadline_and_the_next_event_flows(
    bus: Bus, attachment: Attachment, budget: float, reason: str
) -> None:
    attachment.content = (
        text_operator_pdf() if attachment.filename.endswith(".pdf") else huge_dimension_xlsx()
    )
    tasks = await TaskStore.open(bus.js, bus.topology.tasks_bucket)
    limits = SandboxLimits(budget_seconds=budget, processes=1)
    settings = WorkerSettings(fetch_timeout_seconds=0.2, retry_base_seconds=0.05, max_deliver=3)
    stop = asyncio.Event()
    async with ExtractionSandbox(limits, log_json=False) as sandbox:
        stage = normalizer_stage(bus.topology, reader=sandbox, budget_seconds=budget)
        worker = Worker(bus, stage, settings, tasks=tasks)
        runner = asyncio.create_task(worker.run(stop))
        try:
            await asyncio.wait_for(worker.ready.wait(), 10)
            hostile = mail("hostile", "Please see the attached file.", attachment)
            good = mail("good", "Affected parts: LM358DR. Last time buy: 2026-01-31.")
            started = time.monotonic()
            await publish(bus, tasks, hostile)
            await publish(bus, tasks, good)
            topo = bus.topology
            letter = DeadLetter.FromString(
                await next_message(bus, topo.dead_letter("normalizer"), topo.dlq_stream.name)
            )
            dead_after = time.monotonic() - started
            assert letter.task_id == "task-hostile"
            assert reason in letter.reason
            assert letter.deliveries == 1  # permanent: not retried into the same wall
            # The budget plus room for a loaded machine; either file alone costs 40+ s of CPU
            # when read without the cap and the sandbox.
            assert dead_after < budget + 15
            notice = NormalizedNotice.FromString(
                await next_message(bus, topo.notices, topo.notices_stream.name)
            )
            assert (notice.task_id, notice.mpn, notice.last_time_buy_date) == (
                "task-good",
                "LM358DR",
                "2026-01-31",
            )
            failed = await tasks.get("task-hostile")
            assert failed.state == TaskState.FAILED
            assert failed.error_message is not None
            assert reason in failed.error_message
        finally:
            stop.set()
            await asyncio.wait_for(runner, 15)
