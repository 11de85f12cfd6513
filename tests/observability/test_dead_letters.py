"""Dead letters from a real worker, inspected and replayed with `radar dlq` and `radar status`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from typer.testing import CliRunner

from radar_cli.infra import NatsServer
from radar_cli.main import app
from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.lag import read_backlog
from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, PermanentError, Stage, Worker, parse_as
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_common.settings import WorkerSettings
from radar_common.tasks import Task, TaskStore

pytestmark = pytest.mark.integration
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@dataclass
class Normalizer:
    """A stage that refuses events until it is 'fixed', and records what it saw."""

    broken: bool = True
    seen: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        self.seen.append(dict(ctx.delivery.headers))
        if self.broken:
            raise PermanentError("no part number in event")
        await ctx.progress("done")
        return []


@dataclass
class Pipeline:
    bus: Bus
    tasks: TaskStore
    stage: Normalizer
    url: str


@pytest.fixture(name="p")
async def pipeline(nats_server: NatsServer) -> AsyncIterator[Pipeline]:
    topology = Topology()
    bus = await Bus.connect(nats_server.url, topology, name="test-dlq")
    await bus.ensure_topology()
    tasks = await TaskStore.open(bus.js, topology.tasks_bucket)
    normalizer = Normalizer()
    settings = WorkerSettings(nats_url=nats_server.url, fetch_timeout_seconds=0.2)
    stage = Stage(
        name="normalizer",
        step="normalize",
        consumer=topology.normalizer_consumer,
        decode=parse_as(RawEvent),
        handle=normalizer.handle,
    )
    worker = Worker(bus, stage, settings, tasks=tasks)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        yield Pipeline(bus, tasks, normalizer, nats_server.url)
    finally:
        stop.set()
        await running
        await bus.close()


async def accept(p: Pipeline, task_id: str) -> None:
    await p.tasks.create(Task.new(task_id, TRACE_ID, source="test"))
    await p.bus.publish(
        p.bus.topology.raw_events,
        RawEvent(event_id=task_id, source="test").SerializeToString(),
        msg_id=task_id,
        headers={TASK_ID_HEADER: task_id, TRACE_ID_HEADER: TRACE_ID, "traceparent": TRACEPARENT},
    )


async def until(predicate: object, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not met")


async def radar(*args: str) -> tuple[int, str]:
    """Run the real `radar` command (in a thread: it runs its own event loop)."""
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


async def test_dead_letter_is_listed_shown_and_replayed_with_its_ids(p: Pipeline) -> None:
    await accept(p, "task-1")

    async def failed() -> bool:
        return (await p.tasks.get("task-1")).state.value == "FAILED"

    await until(failed)

    code, out = await radar("dlq", "list", "--json", "--nats-url", p.url)
    assert code == 0, out
    (listed,) = [json.loads(line) for line in out.splitlines()]
    assert listed["stage"] == "normalizer"
    assert listed["reason"] == "no part number in event"
    assert (listed["task_id"], listed["trace_id"]) == ("task-1", TRACE_ID)

    code, out = await radar("dlq", "show", str(listed["id"]), "--nats-url", p.url)
    assert code == 0, out
    shown = json.loads(out)
    assert shown["payload"]["eventId"] == "task-1"
    assert shown["headers"]["traceparent"] == TRACEPARENT

    code, out = await radar("status", "--nats-url", p.url)
    assert code == 0, out
    assert "Dead letters in RADAR_DLQ: 1" in out
    assert "normalizer" in out

    p.stage.broken = False
    code, out = await radar("dlq", "replay", str(listed["id"]), "--nats-url", p.url)
    assert code == 0, out
    assert "task back to RUNNING" in out

    async def succeeded() -> bool:
        task = await p.tasks.get("task-1")
        return task.step("normalize").state.value == "done"

    await until(succeeded)
    task = await p.tasks.get("task-1")
    assert task.state.value == "RUNNING"
    assert task.error_message is None
    replayed = p.stage.seen[-1]
    assert replayed[TRACE_ID_HEADER] == TRACE_ID
    assert replayed[TASK_ID_HEADER] == "task-1"
    assert replayed["traceparent"] == TRACEPARENT
    assert replayed["Nats-Msg-Id"] != p.stage.seen[0]["Nats-Msg-Id"]
    assert (await read_backlog(p.bus.js, p.bus.topology)).dlq_depth == 0


async def test_replay_all_sends_every_dead_letter_back(p: Pipeline) -> None:
    for task_id in ("task-a", "task-b"):
        await accept(p, task_id)

    async def two_dead() -> bool:
        return (await read_backlog(p.bus.js, p.bus.topology)).dlq_depth == 2

    await until(two_dead)
    p.stage.broken = False
    code, out = await radar("dlq", "replay", "--all", "--nats-url", p.url)
    assert code == 0, out
    assert "2 dead letter(s) replayed" in out

    async def both_done() -> bool:
        tasks = [await p.tasks.get(t) for t in ("task-a", "task-b")]
        return all(t.step("normalize").state.value == "done" for t in tasks)

    await until(both_done)
    code, out = await radar("dlq", "list", "--nats-url", p.url)
    assert "no dead letters" in out


async def test_dlq_commands_refuse_bad_arguments(p: Pipeline) -> None:
    code, out = await radar("dlq", "replay", "--nats-url", p.url)
    assert code == 2
    assert "--all" in out
    code, out = await radar("dlq", "show", "999", "--nats-url", p.url)
    assert code == 1
    assert "no dead letter 999" in out
