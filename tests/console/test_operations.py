"""Operations in the browser: a task followed live to SUCCESS, a dead letter replayed."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from playwright.async_api import BrowserContext, expect

from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, PermanentError, Stage, Worker, parse_as
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_common.settings import WorkerSettings
from radar_common.tasks import STEPS, Task, TaskStore
from tests.console.browser import Screenshots
from tests.console.conftest import Console
from tests.console.test_sign_in import dev_sign_in

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@dataclass
class Normalizer:
    """A stage that refuses every event until it is fixed (a real JetStream worker)."""

    broken: bool = True
    seen: list[str] = field(default_factory=list)

    async def handle(self, event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        self.seen.append(event.event_id)
        if self.broken:
            raise PermanentError("no part number in event (simulated parser bug)")
        await ctx.progress("done")
        return []


@dataclass
class Pipeline:
    bus: Bus
    tasks: TaskStore
    stage: Normalizer


@pytest.fixture
async def pipeline(console: Console) -> AsyncIterator[Pipeline]:
    topology = Topology()
    bus = await Bus.connect(console.nats_url, topology, name="console-test")
    await bus.ensure_topology()
    tasks = await TaskStore.open(bus.js, topology.tasks_bucket)
    normalizer = Normalizer()
    stage = Stage(
        name="normalizer",
        step="normalize",
        consumer=topology.normalizer_consumer,
        decode=parse_as(RawEvent),
        handle=normalizer.handle,
    )
    settings = WorkerSettings(nats_url=console.nats_url, fetch_timeout_seconds=0.2)
    worker = Worker(bus, stage, settings, tasks=tasks)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        yield Pipeline(bus, tasks, normalizer)
    finally:
        stop.set()
        await running
        await bus.close()


async def accept(p: Pipeline, task_id: str, trace_id: str) -> None:
    """What ingestion does: the task, then the raw event on JetStream."""
    await p.tasks.create(Task.new(task_id, trace_id, source="console-test"))
    await p.tasks.report(task_id, "accepted", "done")
    await p.bus.publish(
        p.bus.topology.raw_events,
        RawEvent(event_id=task_id, source="console-test").SerializeToString(),
        msg_id=task_id,
        headers={TASK_ID_HEADER: task_id, TRACE_ID_HEADER: trace_id},
    )


async def test_a_task_is_followed_live_until_success(
    console: Console, browser: BrowserContext, pipeline: Pipeline, screenshots: Screenshots
) -> None:
    task_id = uuid.uuid4().hex
    await pipeline.tasks.create(Task.new(task_id, uuid.uuid4().hex, source="nexar"))
    page = await browser.new_page()
    await dev_sign_in(page, console, "engineer@radar.dev", "/operations")
    await expect(page.get_by_role("link", name=re.compile(task_id))).to_be_visible()
    await page.get_by_label("Follow a task").fill(task_id)
    await page.get_by_role("button", name="Open").click()
    await expect(page.get_by_role("heading", name=re.compile(task_id))).to_be_visible()
    state = page.locator("[data-field=state]")
    await expect(state).to_have_text("QUEUED")
    # The pipeline moves the task on; the open page follows over server-sent events.
    await pipeline.tasks.report(task_id, "accepted", "done")
    await pipeline.tasks.report(task_id, "normalize", "running", message="reading the notice")
    await expect(state).to_have_text("RUNNING")
    await expect(page.locator("[data-field=step]")).to_have_text("normalize")
    await screenshots.shoot(page, "task-running")
    for step, _ in STEPS[1:]:
        await pipeline.tasks.report(task_id, step, "done")
    await expect(state).to_have_text("SUCCESS")
    await expect(page.locator("[data-field=percent]")).to_have_text("100%")
    await expect(page.locator("[data-field=live]")).to_contain_text("ended: SUCCESS")
    assert await page.locator("progress").get_attribute("value") == "100"
    await screenshots.shoot(page, "task-success")


async def test_a_dead_letter_is_replayed_by_an_admin(
    console: Console, browser: BrowserContext, pipeline: Pipeline, screenshots: Screenshots
) -> None:
    task_id, trace_id = uuid.uuid4().hex, uuid.uuid4().hex
    await accept(pipeline, task_id, trace_id)

    async def failed() -> bool:
        return (await pipeline.tasks.get(task_id)).state.value == "FAILED"

    for _ in range(200):
        if await failed():
            break
        await asyncio.sleep(0.05)
    assert await failed()

    page = await browser.new_page()
    # An engineer sees the dead letter but cannot replay it.
    await dev_sign_in(page, console, "engineer@radar.dev", "/operations")
    row = page.locator("#dead-letters tbody tr").first
    await expect(row).to_contain_text("simulated parser bug")
    await expect(row).to_contain_text("normalizer")
    await expect(page.get_by_role("button", name=re.compile("^Replay"))).to_have_count(0)
    await page.get_by_role("button", name="Sign out").click()

    await dev_sign_in(page, console, "admin@radar.dev", "/operations")
    await screenshots.shoot(page, "operations")
    await row.get_by_role("link").first.click()
    await expect(page.get_by_role("heading", name=re.compile("Dead letter"))).to_be_visible()
    await expect(page.locator("pre.payload")).to_contain_text(task_id)
    await screenshots.shoot(page, "dead-letter")
    pipeline.stage.broken = False
    await page.get_by_role("button", name="Replay").click()
    await expect(page.get_by_role("status")).to_contain_text("replayed")
    await expect(page.locator("#dead-letters")).to_contain_text("No dead letters.")
    await screenshots.shoot(page, "operations-replayed")

    async def normalized() -> bool:
        task = await pipeline.tasks.get(task_id)
        return task.step("normalize").state.value == "done"

    for _ in range(200):
        if await normalized():
            break
        await asyncio.sleep(0.05)
    task = await pipeline.tasks.get(task_id)
    assert task.state.value == "RUNNING", "reopened by the replay, same task and trace"
    assert task.trace_id == trace_id
    assert pipeline.stage.seen == [task_id, task_id]
