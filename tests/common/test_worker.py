"""The shared pull loop against a real nats-server: ack, retry, dead letters, dedup, drain."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from nats.js.api import ConsumerConfig

from radar_cli.infra import NatsServer
from radar_common.bus.connection import TASK_ID_HEADER, Bus
from radar_common.bus.topology import Topology
from radar_common.bus.worker import (
    Handler,
    MessageContext,
    PermanentError,
    Stage,
    Worker,
    dependency_unavailable,
    parse_as,
)
from radar_common.contracts import DeadLetter, NormalizedNotice, RawEvent
from radar_common.settings import WorkerSettings
from radar_common.tasks import Task, TaskStore

pytestmark = pytest.mark.integration


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    b = await Bus.connect(nats_server.url, Topology(), name="test")
    await b.ensure_topology(max_deliver=3, ack_wait_seconds=5)
    yield b
    await b.close()


def settings(**overrides: object) -> WorkerSettings:
    base: dict[str, object] = {
        "max_deliver": 3,
        "retry_base_seconds": 0.05,
        "retry_max_seconds": 0.2,
        "fetch_timeout_seconds": 0.2,
        "ack_wait_seconds": 5,  # as the consumer in the `bus` fixture
    }
    base.update(overrides)
    return WorkerSettings(**base)  # type: ignore[arg-type]


async def publish_event(bus: Bus, source: str, task_id: str = "") -> None:
    event = RawEvent(event_id=uuid.uuid4().hex, task_id=task_id, source=source)
    await bus.publish(
        bus.topology.raw_events,
        event.SerializeToString(),
        msg_id=event.event_id,
        headers={TASK_ID_HEADER: task_id},
    )


async def collect(bus: Bus, subject: str, count: int, timeout: float = 10.0) -> list[bytes]:
    """Read ``count`` messages from a stream subject with an ephemeral consumer."""
    sub = await bus.js.pull_subscribe(subject, durable=None, config=ConsumerConfig())
    out: list[bytes] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(out) < count and asyncio.get_running_loop().time() < deadline:
        try:
            msgs = await sub.fetch(count - len(out), timeout=0.5)
        except TimeoutError:
            continue
        for m in msgs:
            out.append(m.data)
            await m.ack()
    await sub.unsubscribe()
    return out


async def ack_pending_settles_to_zero(bus: Bus, timeout: float = 3.0) -> bool:
    """Acks are asynchronous: give the server a moment to count them."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        info = await bus.js.consumer_info("RADAR_EVENTS", "normalizer")
        if info.num_ack_pending == 0 and info.num_pending == 0:
            return True
        await asyncio.sleep(0.05)
    return False


def stage_with(
    handler: Handler[RawEvent, NormalizedNotice],
) -> Stage[RawEvent, NormalizedNotice]:
    topo = Topology()
    return Stage(
        name="normalizer",
        step="normalize",
        consumer=topo.normalizer_consumer,
        decode=parse_as(RawEvent),
        handle=handler,
        output_subject=topo.notices,
        output_id=lambda n: n.notice_id,
    )


async def run_until(
    worker: Worker[RawEvent, NormalizedNotice],
    condition: Callable[[], bool],
    timeout: float = 10.0,
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            assert asyncio.get_running_loop().time() < deadline, "condition not reached"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_outputs_are_published_and_the_input_acked(bus: Bus) -> None:
    handled: list[str] = []

    async def handle(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        handled.append(event.source)
        return [NormalizedNotice(notice_id=f"{event.source}-{i}", mpn=f"P{i}") for i in range(2)]

    await publish_event(bus, "ok")
    worker = Worker(bus, stage_with(handle), settings())
    await run_until(worker, lambda: len(handled) == 1)
    notices = await collect(bus, bus.topology.notices, 2)
    assert sorted(NormalizedNotice.FromString(d).mpn for d in notices) == ["P0", "P1"]
    assert await ack_pending_settles_to_zero(bus)


async def test_transient_errors_are_retried_then_succeed(bus: Bus) -> None:
    attempts: list[int] = []

    async def handle(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        attempts.append(ctx.deliveries)
        if ctx.deliveries < 3:
            raise RuntimeError("flaky upstream")
        return [NormalizedNotice(notice_id="n1", mpn="X")]

    await publish_event(bus, "flaky")
    await run_until(Worker(bus, stage_with(handle), settings()), lambda: len(attempts) == 3)
    assert attempts == [1, 2, 3]
    assert len(await collect(bus, bus.topology.notices, 1)) == 1


async def test_an_unreachable_dependency_is_waited_out_without_using_deliveries(bus: Bus) -> None:
    calls: list[int] = []

    async def handle(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        calls.append(ctx.deliveries)
        if len(calls) < 6:  # more outages than max_deliver (3) allows deliveries
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        return [NormalizedNotice(notice_id="n1", mpn="X")]

    await publish_event(bus, "db-down")
    await run_until(Worker(bus, stage_with(handle), settings()), lambda: len(calls) == 6)
    assert calls == [1] * 6  # all within the first delivery
    assert len(await collect(bus, bus.topology.notices, 1)) == 1
    assert await ack_pending_settles_to_zero(bus)


def test_what_counts_as_an_unreachable_dependency() -> None:
    assert dependency_unavailable(ConnectionRefusedError(111, "refused"))
    assert dependency_unavailable(OSError("Multiple exceptions: [Errno 111] Connect call failed"))
    assert dependency_unavailable(asyncpg.CannotConnectNowError("the database is starting up"))
    assert not dependency_unavailable(TimeoutError())
    assert not dependency_unavailable(FileNotFoundError("x.pdf"))
    assert not dependency_unavailable(ValueError("bad input"))


async def test_poison_goes_to_the_dlq_with_the_reason_and_the_task_fails(bus: Bus) -> None:
    tasks = await TaskStore.open(bus.js, bus.topology.tasks_bucket)
    task_id = uuid.uuid4().hex
    await tasks.create(Task.new(task_id, "a" * 32))
    seen: list[str] = []

    async def handle(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        seen.append(event.source)
        if event.source == "poison":
            raise PermanentError("no part number found in the notice")
        return [NormalizedNotice(notice_id="good", mpn="G")]

    await publish_event(bus, "poison", task_id)
    await publish_event(bus, "good")
    await run_until(
        Worker(bus, stage_with(handle), settings(), tasks=tasks), lambda: len(seen) == 2
    )
    [letter_bytes] = await collect(bus, bus.topology.dead_letter("normalizer"), 1)
    letter = DeadLetter.FromString(letter_bytes)
    assert letter.reason == "no part number found in the notice"
    assert letter.stage == "normalizer"
    assert RawEvent.FromString(letter.data).source == "poison"
    assert letter.task_id == task_id
    assert sorted(seen) == ["good", "poison"]  # the consumer kept flowing
    task = await tasks.get(task_id)
    assert task.state.value == "FAILED"
    assert task.error_message == "no part number found in the notice"


async def test_a_handler_that_always_crashes_is_dead_lettered_after_max_deliver(bus: Bus) -> None:
    attempts: list[int] = []

    async def handle(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        attempts.append(ctx.deliveries)
        raise RuntimeError("boom")

    await publish_event(bus, "crashy")
    worker = Worker(bus, stage_with(handle), settings())
    await run_until(worker, lambda: len(attempts) == 3)
    [letter_bytes] = await collect(bus, bus.topology.dead_letter("normalizer"), 1)
    letter = DeadLetter.FromString(letter_bytes)
    assert letter.deliveries == 3
    assert "failed after 3 deliveries" in letter.reason
    assert "boom" in letter.reason


async def test_undecodable_payload_is_dead_lettered(bus: Bus) -> None:
    async def handle(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        raise AssertionError("must not be called")

    await bus.publish(bus.topology.raw_events, b"\xff\xfe not protobuf", msg_id="garbage")
    worker = Worker(bus, stage_with(handle), settings())
    letters: list[bytes] = []

    async def poll() -> None:
        letters.extend(await collect(bus, bus.topology.dead_letter("normalizer"), 1, timeout=10))

    stop = asyncio.Event()
    run = asyncio.create_task(worker.run(stop))
    await poll()
    stop.set()
    await run
    assert "undecodable" in DeadLetter.FromString(letters[0]).reason


async def test_stop_lets_in_flight_work_finish_before_returning(bus: Bus) -> None:
    started = asyncio.Event()
    finished: list[str] = []

    async def handle(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        started.set()
        await asyncio.sleep(0.5)
        finished.append(event.source)
        return []

    await publish_event(bus, "slow")
    stop = asyncio.Event()
    run = asyncio.create_task(Worker(bus, stage_with(handle), settings()).run(stop))
    await asyncio.wait_for(started.wait(), 10)
    stop.set()
    await asyncio.wait_for(run, 10)
    assert finished == ["slow"]
    assert await ack_pending_settles_to_zero(bus)


async def test_topology_creation_is_idempotent(bus: Bus) -> None:
    await bus.ensure_topology(max_deliver=3, ack_wait_seconds=5)
    await bus.ensure_topology(max_deliver=3, ack_wait_seconds=5)
    names = {s.config.name for s in await bus.js.streams_info()}
    assert {s.name for s in bus.topology.streams} <= names


async def test_duplicate_publishes_are_stored_once(bus: Bus) -> None:
    first = await bus.publish(bus.topology.raw_events, b"x", msg_id="same-id")
    second = await bus.publish(bus.topology.raw_events, b"x", msg_id="same-id")
    assert not first.duplicate
    assert second.duplicate
    assert second.sequence == first.sequence


async def test_the_pull_loop_runs_at_most_concurrency_handlers_and_handles_every_message(
    bus: Bus,
) -> None:
    running, most, handled = 0, 0, set[str]()

    async def handle(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        handled.add(event.source)
        return []

    sources = [f"event-{i}" for i in range(40)]
    for source in sources:
        await publish_event(bus, source)
    worker = Worker(bus, stage_with(handle), settings(concurrency=3, fetch_batch=5))
    await run_until(worker, lambda: len(handled) == len(sources))
    assert handled == set(sources)
    assert most == 3, "the slots fill up, and never beyond concurrency"
    assert await ack_pending_settles_to_zero(bus)


async def test_a_stopped_worker_gives_back_what_it_held_but_never_started(bus: Bus) -> None:
    release = asyncio.Event()
    first: list[str] = []

    async def hold(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        first.append(event.source)
        await release.wait()
        return []

    for i in range(6):
        await publish_event(bus, f"held-{i}")
    stop = asyncio.Event()
    held = Worker(bus, stage_with(hold), settings(concurrency=1, fetch_batch=5))
    run = asyncio.create_task(held.run(stop))
    while not first:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # the loop has pulled more than it runs
    stop.set()
    release.set()
    await asyncio.wait_for(run, 10)

    second: list[str] = []

    async def take(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        second.append(event.source)
        return []

    # Well before the consumer's 5 s ack wait: given back, not left to time out.
    await run_until(Worker(bus, stage_with(take), settings()), lambda: len(second) == 5, 3.0)
    assert sorted(first + second) == [f"held-{i}" for i in range(6)]
