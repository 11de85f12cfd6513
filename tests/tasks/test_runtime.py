"""The real Worker runtime in-process: timeouts, retries, dead letters and cancellation.

Stages here are small test handlers on the real topology (RawEvent -> NormalizedNotice ->
Assessment), so that what is tested is the runtime and the task store, not a service's logic.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from google.protobuf.message import Message

from radar_cli.infra import NatsServer
from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.topology import Topology
from radar_common.bus.worker import Handler, MessageContext, PermanentError, Stage, Worker, parse_as
from radar_common.contracts import Assessment, DeadLetter, NormalizedNotice, RawEvent
from radar_common.settings import WorkerSettings
from radar_common.tasks import Task, TaskState, TaskStore
from tests.tasks.conftest import unique_prefix

pytestmark = pytest.mark.integration
MAX_DELIVER = 3


class StageSettings(WorkerSettings):
    """A worker's settings with the step timeout (RADAR_STEP_TIMEOUT_SECONDS)."""

    step_timeout_seconds: float = 0.4


def settings_for(prefix: str, nats_url: str, **overrides: Any) -> StageSettings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "stream_prefix": prefix,
        "subject_prefix": prefix.lower(),
        "max_deliver": MAX_DELIVER,
        "retry_base_seconds": 0.05,
        "retry_max_seconds": 0.2,
        "fetch_timeout_seconds": 0.2,
        "ack_wait_seconds": 5.0,
    }
    values.update(overrides)
    return StageSettings(**values)


class Pipeline:
    """NATS topology, a task store and workers running in this process."""

    def __init__(self, bus: Bus, store: TaskStore, settings: StageSettings) -> None:
        self.bus, self.store, self.settings = bus, store, settings
        self.topology: Topology = bus.topology
        self.stop = asyncio.Event()
        self.runs: list[asyncio.Task[None]] = []

    def normalizer(self, handle: Handler[RawEvent, NormalizedNotice]) -> None:
        self._start(
            Stage(
                name="normalizer",
                step="normalize",
                consumer=self.topology.normalizer_consumer,
                decode=parse_as(RawEvent),
                handle=handle,
                output_subject=self.topology.notices,
                output_id=lambda n: n.notice_id,
            )
        )

    def inference(self, handle: Handler[NormalizedNotice, Assessment]) -> None:
        self._start(
            Stage(
                name="inference",
                step="assess",
                consumer=self.topology.inference_consumer,
                decode=parse_as(NormalizedNotice),
                handle=handle,
                output_subject=self.topology.assessments,
                output_id=lambda a: a.assessment_id,
            )
        )

    def notifier(self, handle: Handler[Assessment, Message]) -> None:
        self._start(
            Stage(
                name="notifier",
                step="notify",
                consumer=self.topology.notifier_consumer,
                decode=parse_as(Assessment),
                handle=handle,
            )
        )

    def _start(self, stage: Stage[Any, Any]) -> None:
        worker = Worker(self.bus, stage, self.settings, tasks=self.store)
        self.runs.append(asyncio.create_task(worker.run(self.stop)))

    async def submit(self) -> Task:
        task = Task.new(uuid.uuid4().hex, uuid.uuid4().hex, source="test")
        await self.store.create(task)
        event = RawEvent(event_id=task.task_id, task_id=task.task_id, source="test")
        await self.bus.publish(
            self.topology.raw_events,
            event.SerializeToString(),
            msg_id=task.task_id,
            headers={TASK_ID_HEADER: task.task_id, TRACE_ID_HEADER: task.trace_id},
        )
        return task

    async def wait(
        self, task_id: str, until: Callable[[Task], bool], timeout: float = 15.0
    ) -> Task:
        deadline = time.monotonic() + timeout
        while True:
            task = await self.store.get(task_id)
            if until(task):
                return task
            if time.monotonic() > deadline:
                raise TimeoutError(task.model_dump_json(indent=1))
            await asyncio.sleep(0.05)

    async def dead_letters(self) -> list[DeadLetter]:
        sub = await self.bus.js.pull_subscribe(
            f"{self.topology.subject_prefix}.dlq.>", stream=self.topology.dlq_stream.name
        )
        letters: list[DeadLetter] = []
        with contextlib.suppress(Exception):
            for msg in await sub.fetch(100, timeout=0.5):
                letter = DeadLetter()
                letter.ParseFromString(msg.data)
                letters.append(letter)
        await sub.unsubscribe()
        return letters


PipelineFactory = Callable[..., Awaitable[Pipeline]]


@pytest.fixture
async def make_pipeline(nats: NatsServer) -> AsyncIterator[PipelineFactory]:
    """Build pipelines with these settings overrides; all are stopped at the end."""
    made: list[Pipeline] = []

    async def make(**overrides: Any) -> Pipeline:
        settings = settings_for(unique_prefix(), nats.url, **overrides)
        topology = Topology(
            stream_prefix=settings.stream_prefix, subject_prefix=settings.subject_prefix
        )
        bus = await Bus.connect(nats.url, topology, name="test-runtime")
        await bus.ensure_topology(
            max_deliver=MAX_DELIVER, ack_wait_seconds=settings.ack_wait_seconds
        )
        store = await TaskStore.open(bus.js, topology.tasks_bucket)
        made.append(Pipeline(bus, store, settings))
        return made[-1]

    try:
        yield make
    finally:
        for p in made:
            p.stop.set()
            await asyncio.wait_for(asyncio.gather(*p.runs, return_exceptions=True), timeout=10)
            await p.bus.close()


@pytest.fixture
async def pipeline(make_pipeline: PipelineFactory) -> Pipeline:
    return await make_pipeline()


def notices_for(event: RawEvent, parts: int) -> list[NormalizedNotice]:
    return [
        NormalizedNotice(
            notice_id=f"{event.task_id}:{i}",
            task_id=event.task_id,
            mpn=f"PART-{i}",
            part_index=i,
            part_count=parts,
        )
        for i in range(parts)
    ]


async def test_a_step_over_its_timeout_is_retried_then_fails_the_task(pipeline: Pipeline) -> None:
    calls: list[int] = []

    async def slow(event: RawEvent, ctx: MessageContext) -> Sequence[NormalizedNotice]:
        calls.append(ctx.deliveries)
        await ctx.progress("running", message="reading the PDF")
        await asyncio.sleep(30)
        return []

    pipeline.normalizer(slow)
    task = await pipeline.submit()
    failed = await pipeline.wait(task.task_id, lambda t: t.state.terminal)

    assert failed.state is TaskState.FAILED
    assert failed.error_message == f"normalize timed out after 0.4s (delivery 3 of {MAX_DELIVER})"
    assert failed.current_step == "normalize"
    log = failed.step("normalize").log
    retries = [line for line in log if "retrying: delivery" in line]
    assert len(retries) == MAX_DELIVER - 1
    assert "normalize timed out after 0.4s" in retries[0]
    assert calls == [1, 2, 3]
    letters = await pipeline.dead_letters()
    assert [(d.stage, d.task_id) for d in letters] == [("normalizer", task.task_id)]
    assert letters[0].reason == failed.error_message


async def test_the_timeout_names_the_sub_step_that_was_running(pipeline: Pipeline) -> None:
    async def split(event: RawEvent, ctx: MessageContext) -> Sequence[NormalizedNotice]:
        return notices_for(event, 1)

    async def stuck_in_assess(n: NormalizedNotice, ctx: MessageContext) -> Sequence[Assessment]:
        await ctx.progress("done", step="match", unit="0", total_units=1)
        await ctx.progress("running", step="assess", message="asking the LLM")
        await asyncio.sleep(30)
        return []

    pipeline.normalizer(split)
    pipeline.inference(stuck_in_assess)
    task = await pipeline.submit()
    failed = await pipeline.wait(task.task_id, lambda t: t.state.terminal)
    assert failed.state is TaskState.FAILED
    assert failed.error_message is not None
    assert failed.error_message.startswith("assess timed out after 0.4s")
    assert failed.step("assess").state == "failed"
    assert failed.step("match").state == "done"


async def test_a_long_step_within_its_timeout_is_not_redelivered(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = await make_pipeline(ack_wait_seconds=1.0, step_timeout_seconds=5.0)
    calls: list[int] = []

    async def long(event: RawEvent, ctx: MessageContext) -> Sequence[NormalizedNotice]:
        calls.append(ctx.deliveries)
        await asyncio.sleep(2.5)  # > ack_wait: only the runtime's heartbeats keep it ours
        await ctx.progress("done")
        return []

    pipeline.normalizer(long)
    task = await pipeline.submit()
    done = await pipeline.wait(task.task_id, lambda t: t.step("normalize").state == "done")
    await asyncio.sleep(0.5)
    assert calls == [1]
    assert done.state is TaskState.RUNNING


async def test_a_dead_lettered_event_ends_failed_with_the_reason(pipeline: Pipeline) -> None:
    async def refuse(event: RawEvent, ctx: MessageContext) -> Sequence[NormalizedNotice]:
        raise PermanentError("no part number found in the event")

    pipeline.normalizer(refuse)
    task = await pipeline.submit()
    failed = await pipeline.wait(task.task_id, lambda t: t.state.terminal)
    assert failed.state is TaskState.FAILED
    assert failed.error_message == "no part number found in the event"
    assert failed.step("normalize").state == "failed"
    letters = await pipeline.dead_letters()
    assert [d.reason for d in letters] == ["no part number found in the event"]


async def test_a_transient_failure_is_retried_visibly_then_succeeds(pipeline: Pipeline) -> None:
    async def flaky(event: RawEvent, ctx: MessageContext) -> Sequence[NormalizedNotice]:
        if ctx.deliveries == 1:
            raise RuntimeError("upstream hiccup")
        await ctx.progress("done")
        return notices_for(event, 2)

    async def assess(n: NormalizedNotice, ctx: MessageContext) -> Sequence[Assessment]:
        for step in ("match", "assess", "persist"):
            await ctx.progress("done", step=step, unit=str(n.part_index), total_units=2)
        return [
            Assessment(
                assessment_id=n.notice_id, task_id=n.task_id, part_index=n.part_index, part_count=2
            )
        ]

    async def notify(a: Assessment, ctx: MessageContext) -> Sequence[Message]:
        await ctx.progress("done", unit=str(a.part_index), total_units=a.part_count)
        return []

    pipeline.normalizer(flaky)
    pipeline.inference(assess)
    pipeline.notifier(notify)
    task = await pipeline.submit()
    done = await pipeline.wait(task.task_id, lambda t: t.state.terminal)
    assert done.state is TaskState.SUCCESS
    assert done.percent == 100
    retry = [line for line in done.step("normalize").log if "retrying" in line]
    assert len(retry) == 1
    assert "RuntimeError('upstream hiccup')" in retry[0]


async def test_cancelling_mid_pipeline_stops_every_stage_and_sends_no_alert(
    pipeline: Pipeline,
) -> None:
    parts = 6
    started = asyncio.Event()
    proceed = asyncio.Event()
    alerts: list[str] = []
    assessed: list[int] = []

    async def split(event: RawEvent, ctx: MessageContext) -> Sequence[NormalizedNotice]:
        await ctx.progress("done", message=f"{parts} parts")
        return notices_for(event, parts)

    async def assess(n: NormalizedNotice, ctx: MessageContext) -> Sequence[Assessment]:
        unit = str(n.part_index)
        await ctx.progress("done", step="match", unit=unit, total_units=parts)
        started.set()
        await proceed.wait()  # the caller cancels meanwhile
        if await ctx.cancelled():
            return []
        assessed.append(n.part_index)
        return [Assessment(assessment_id=n.notice_id, task_id=n.task_id, mpn=n.mpn)]

    async def notify(a: Assessment, ctx: MessageContext) -> Sequence[Message]:
        if await ctx.cancelled():
            return []
        alerts.append(a.mpn)
        return []

    pipeline.normalizer(split)
    pipeline.inference(assess)
    pipeline.notifier(notify)
    task = await pipeline.submit()
    await asyncio.wait_for(started.wait(), timeout=10)
    cancelled = await pipeline.store.cancel(task.task_id)
    assert cancelled.state is TaskState.CANCELLED
    proceed.set()

    # Every part's message is consumed (acked) without work, then nothing more happens.
    info = None
    for _ in range(100):
        info = await pipeline.bus.js.consumer_info(
            pipeline.topology.notices_stream.name, "inference"
        )
        if info.num_pending == 0 and info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.05)
    assert info is not None
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    await asyncio.sleep(0.3)
    final = await pipeline.store.get(task.task_id)
    assert final.state is TaskState.CANCELLED
    assert final.percent < 100
    assert assessed == []
    assert alerts == []


async def test_a_stage_writes_its_task_once_per_message_whatever_it_reports(
    pipeline: Pipeline,
) -> None:
    seen: list[tuple[str, str]] = []

    async def chatty(event: RawEvent, ctx: MessageContext) -> Sequence[NormalizedNotice]:
        await ctx.progress("running", message="reading")
        for i in range(5):
            await ctx.progress("running", message=f"page {i}")
        await ctx.add_result("notices", {"notice_id": "n1", "mpn": "PART-0"}, "notice_id")
        await ctx.progress("done", message="1 part")
        seen.append((ctx.delivery.subject, ctx.delivery.header(TASK_ID_HEADER)))
        return []

    pipeline.normalizer(chatty)
    task = await pipeline.submit()
    created = (await pipeline.store.get_with_revision(task.task_id))[1]
    done = await pipeline.wait(task.task_id, lambda t: t.step("normalize").state == "done")
    _, revision = await pipeline.store.get_with_revision(task.task_id)
    # The only task in its bucket: each write of it takes the next revision.
    assert revision == created + 1, "seven reports, one write"
    assert [line.split(" ", 1)[1] for line in done.step("normalize").log][-2:] == [
        "page 4",
        "1 part",
    ]
    assert [n["notice_id"] for n in done.result.notices] == ["n1"]
    assert seen == [(pipeline.topology.raw_events, task.task_id)]


async def test_the_handler_sees_a_typed_delivery_not_the_nats_message(pipeline: Pipeline) -> None:
    contexts: list[MessageContext] = []

    async def look(event: RawEvent, ctx: MessageContext) -> Sequence[NormalizedNotice]:
        contexts.append(ctx)
        return []

    pipeline.normalizer(look)
    task = await pipeline.submit()
    await pipeline.wait(task.task_id, lambda _: bool(contexts))
    ctx = contexts[0]
    assert not hasattr(ctx, "msg")
    assert ctx.delivery.num_delivered == ctx.deliveries == 1
    assert ctx.delivery.stream == pipeline.topology.events_stream.name
    assert ctx.delivery.stream_sequence >= 1
    assert ctx.delivery.header(TRACE_ID_HEADER) == task.trace_id
    with pytest.raises(TypeError):
        ctx.delivery.headers["x"] = "y"  # type: ignore[index]


async def test_cancellation_checks_are_answered_from_the_watched_set(
    nats: NatsServer, pipeline: Pipeline
) -> None:
    task = await pipeline.submit()
    await pipeline.store.watch_cancellations()
    # Another process (its own connection) cancels; the watching store learns of it.
    other_bus = await Bus.connect(nats.url, pipeline.topology, name="test-other")
    try:
        other = await TaskStore.open(other_bus.js, pipeline.topology.tasks_bucket)
        sent = pipeline.bus.nc.stats["out_msgs"]
        assert not any([await pipeline.store.is_cancelled(task.task_id) for _ in range(50)])
        assert pipeline.bus.nc.stats["out_msgs"] == sent, "no round trip per check"
        await other.cancel(task.task_id)
        deadline = time.monotonic() + 5
        while not await pipeline.store.is_cancelled(task.task_id):
            assert time.monotonic() < deadline, "the cancellation never reached the watcher"
            await asyncio.sleep(0.01)
        assert pipeline.bus.nc.stats["out_msgs"] == sent
    finally:
        await other_bus.close()
