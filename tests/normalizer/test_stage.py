"""The real normalizer stage under the real runtime, against a real nats-server."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import pytest

from radar_cli.infra import NatsServer
from radar_common.bus.buckets import object_fetcher
from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.topology import Topology
from radar_common.bus.worker import Worker
from radar_common.contracts import Attachment, DeadLetter, NormalizedNotice, RawEvent
from radar_common.settings import WorkerSettings
from radar_common.tasks import TaskStore
from radar_common.tasks.model import Task, TaskState
from radar_normalizer.handler import make_normalize, normalizer_stage
from radar_normalizer.objects import resolve_objects
from tests.normalizer.pdfgen import make_pdf

pytestmark = pytest.mark.integration


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    suffix = uuid.uuid4().hex[:8]
    topology = Topology(stream_prefix=f"NORM{suffix}", subject_prefix=f"norm{suffix}")
    async with await Bus.connect(nats_server.url, topology, name="test-normalizer") as b:
        await b.ensure_topology(max_deliver=3, ack_wait_seconds=5)
        yield b


async def _run_worker(bus: Bus, tasks: TaskStore, stop: asyncio.Event) -> asyncio.Task[None]:
    settings = WorkerSettings(fetch_timeout_seconds=0.2, retry_base_seconds=0.05, max_deliver=3)
    stage = normalizer_stage(bus.topology, fetch=object_fetcher(bus))
    worker = Worker(bus, stage, settings, tasks=tasks)
    runner = asyncio.create_task(worker.run(stop))
    await asyncio.wait_for(worker.ready.wait(), 10)
    return runner


async def _publish(bus: Bus, tasks: TaskStore, event: RawEvent) -> None:
    await tasks.create(
        Task.new(event.task_id, event.trace_id, source=event.source, format=event.format)
    )
    await bus.publish(
        bus.topology.raw_events,
        event.SerializeToString(),
        msg_id=event.event_id,
        headers={TASK_ID_HEADER: event.task_id, TRACE_ID_HEADER: event.trace_id},
    )


def _event(name: str, payload: dict[str, object], fmt: str = "canonical") -> RawEvent:
    return RawEvent(
        event_id=f"ev-{name}",
        task_id=f"task-{name}",
        trace_id=uuid.uuid4().hex,
        source="nexar",
        format=fmt,
        payload_json=json.dumps(payload),
    )


async def _fetch(bus: Bus, subject: str, stream: str, count: int) -> list[bytes]:
    sub = await bus.js.pull_subscribe(subject, stream=stream)
    out: list[bytes] = []
    while len(out) < count:
        out.extend(m.data for m in await sub.fetch(count - len(out), timeout=10))
    return out


async def test_a_bad_event_is_dead_lettered_and_the_next_good_one_still_flows(bus: Bus) -> None:
    tasks = await TaskStore.open(bus.js, bus.topology.tasks_bucket)
    stop = asyncio.Event()
    runner = await _run_worker(bus, tasks, stop)
    try:
        bad = _event("bad", {"note": "hello"})
        good = _event("good", {"mpn": "LM358DR", "manufacturer": "TI", "lifecycle_status": "NRND"})
        await _publish(bus, tasks, bad)
        await _publish(bus, tasks, good)
        topo = bus.topology
        [letter_data] = await _fetch(bus, topo.dead_letter("normalizer"), topo.dlq_stream.name, 1)
        letter = DeadLetter.FromString(letter_data)
        assert letter.stage == "normalizer"
        assert letter.task_id == "task-bad"
        assert "no part number found in the canonical event from nexar" in letter.reason
        assert RawEvent.FromString(letter.data).event_id == "ev-bad"
        [notice_data] = await _fetch(bus, topo.notices, topo.notices_stream.name, 1)
        notice = NormalizedNotice.FromString(notice_data)
        assert (notice.task_id, notice.mpn, notice.lifecycle_status) == (
            "task-good",
            "LM358DR",
            "nrnd",
        )
        failed = await tasks.get("task-bad")
        assert failed.state == TaskState.FAILED
        assert failed.error_message is not None
        assert "no part number found" in failed.error_message
    finally:
        stop.set()
        await asyncio.wait_for(runner, 15)


async def test_payloads_and_attachments_in_the_object_store_are_fetched(bus: Bus) -> None:
    tasks = await TaskStore.open(bus.js, bus.topology.tasks_bucket)
    store = await bus.js.create_object_store(bus.topology.object_store)
    pdf = make_pdf(
        [
            "Product Discontinuance Notice PDN 77_0001",
            "Publication Date: 2025-01-15",
            "Affected parts: QWE123TR, QWE124TR",
        ]
    )
    await store.put("blobs/ev-big/notice.pdf", pdf)
    payload = json.dumps({"subject": "PDN 77_0001", "text": "See attachment."}).encode()
    await store.put("blobs/ev-big/payload", payload)
    event = _event("big", {}, fmt="sendgrid")
    event.payload_json = ""
    event.metadata["payload_object_ref"] = "blobs/ev-big/payload"
    event.attachments.append(
        Attachment(
            filename="notice.pdf",
            content_type="application/pdf",
            size=len(pdf),
            object_ref="blobs/ev-big/notice.pdf",
        )
    )
    stop = asyncio.Event()
    runner = await _run_worker(bus, tasks, stop)
    try:
        await _publish(bus, tasks, event)
        topo = bus.topology
        notices = [
            NormalizedNotice.FromString(d)
            for d in await _fetch(bus, topo.notices, topo.notices_stream.name, 2)
        ]
        assert sorted(n.mpn for n in notices) == ["QWE123TR", "QWE124TR"]
        assert all(
            n.notice_number == "PDN 77_0001" and n.issue_date == "2025-01-15" for n in notices
        )
        assert any("attachment:notice.pdf#page=1" in e.location for e in notices[0].evidence)
    finally:
        stop.set()
        await asyncio.wait_for(runner, 15)


async def test_a_missing_object_is_retried_then_dead_lettered(bus: Bus) -> None:
    tasks = await TaskStore.open(bus.js, bus.topology.tasks_bucket)
    await bus.js.create_object_store(bus.topology.object_store)
    event = _event("lost", {"subject": "PDN 1", "text": "See attachment."}, fmt="sendgrid")
    event.attachments.append(Attachment(filename="gone.pdf", object_ref="blobs/never/written.pdf"))
    stop = asyncio.Event()
    runner = await _run_worker(bus, tasks, stop)
    try:
        await _publish(bus, tasks, event)
        topo = bus.topology
        [letter_data] = await _fetch(bus, topo.dead_letter("normalizer"), topo.dlq_stream.name, 1)
        letter = DeadLetter.FromString(letter_data)
        assert letter.deliveries == 3
        assert "normalizer failed after 3 deliveries" in letter.reason
    finally:
        stop.set()
        await asyncio.wait_for(runner, 15)


async def test_a_mime_body_in_the_object_store_is_fetched(bus: Bus) -> None:
    store = await bus.js.create_object_store(bus.topology.object_store)
    mime = (
        b"Subject: EOL notice FPCN99001\r\nFrom: pcn@onsemi.com\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Date of Notification: 2025-02-01\r\nAffected parts: MC7805CTG\r\n"
    )
    await store.put("ev-mime/body", mime)
    event = _event("mime", {}, fmt="ses")
    event.payload_json = ""
    event.body_object_ref = "ev-mime/body"
    resolved = await resolve_objects(event, object_fetcher(bus))
    assert resolved.raw_body == mime
    assert event.raw_body == b""  # the input is left as it was
    [notice] = await make_normalize(fetch=object_fetcher(bus))(event, _Ctx())  # type: ignore[arg-type]
    assert (notice.mpn, notice.manufacturer, notice.notice_number) == (
        "MC7805CTG",
        "onsemi",
        "FPCN99001",
    )


class _Ctx:
    last_attempt = False

    async def progress(self, *args: object, **kwargs: object) -> None:
        return None
