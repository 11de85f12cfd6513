"""Inference keeps notices current: merges, revisions, catalog re-assessment, reminders.

The notice stage, the work stage and the scheduler in the real pull loop on a real nats-server
and PostgreSQL; what the notifier would receive is read back from the assessments stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from radar_cli.infra import NatsServer
from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.topology import Topology
from radar_common.bus.worker import Worker
from radar_common.catalog import import_texts
from radar_common.contracts import Assessment, NormalizedNotice
from radar_common.notices.clock import FixedClock
from radar_common.notices.decisions import DecisionInput, decide
from radar_common.notices.reassessment import catalog_changed
from radar_common.notices.review import ReviewInput, review_notice
from radar_common.notices.work import reassess, request_work
from radar_common.tasks import Task, TaskStore
from radar_inference.handler import inference_stage
from radar_inference.scheduler import Scheduler
from radar_inference.settings import InferenceSettings
from radar_inference.work import work_stage
from tests.inference.catalogs import HAND, pool_for
from tests.records.notices import arrival

pytestmark = pytest.mark.integration
RECEIVED = datetime(2025, 1, 1, 9, tzinfo=UTC)


@dataclass
class Pipeline:
    bus: Bus
    pool: asyncpg.Pool
    tasks: TaskStore
    clock: FixedClock
    scheduler: Scheduler
    settings: InferenceSettings
    _sub: JetStreamContext.PullSubscription

    async def send(self, notice: NormalizedNotice) -> None:
        await self.tasks.create(Task.new(notice.task_id, notice.trace_id))
        await self.bus.publish(
            self.bus.topology.notices,
            notice.SerializeToString(),
            msg_id=notice.notice_id,
            headers={TASK_ID_HEADER: notice.task_id, TRACE_ID_HEADER: notice.trace_id},
        )

    async def published(self, *, settle: float = 1.5) -> list[Assessment]:
        """Every assessment published since the last call, waiting until none comes for a while."""
        out: list[Assessment] = []
        quiet_until = asyncio.get_running_loop().time() + settle
        while asyncio.get_running_loop().time() < quiet_until:
            try:
                batch = await self._sub.fetch(50, timeout=0.3)
            except TimeoutError:
                continue
            for m in batch:
                a = Assessment()
                a.ParseFromString(m.data)
                out.append(a)
                await m.ack()
            quiet_until = asyncio.get_running_loop().time() + settle
        return out

    async def task(self, task_id: str) -> Task:
        for _ in range(50):
            task = await self.tasks.get(task_id)
            if task.state.terminal:
                return task
            await asyncio.sleep(0.1)
        return task


@pytest.fixture
async def pipeline(nats_server: NatsServer, database_url: str) -> AsyncIterator[Pipeline]:
    settings = InferenceSettings(
        database_url=database_url,
        fetch_timeout_seconds=0.2,
        reassess_grace_seconds=0,
        scheduler_poll_seconds=0.2,
    )
    bus = await Bus.connect(nats_server.url, Topology(), name="test")
    await bus.ensure_topology(max_deliver=3, ack_wait_seconds=5)
    await bus.ensure_consumer(
        bus.topology.notice_work_consumer, max_deliver=3, ack_wait_seconds=5, max_ack_pending=100
    )
    tasks = await TaskStore.open(bus.js, bus.topology.tasks_bucket)
    clock = FixedClock(RECEIVED.date())
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        stop = asyncio.Event()
        notices = Worker(bus, inference_stage(bus.topology, pool, settings), settings, tasks=tasks)
        work = Worker(bus, work_stage(bus.topology, pool, settings, clock), settings, tasks=tasks)
        running = [asyncio.create_task(notices.run(stop)), asyncio.create_task(work.run(stop))]
        sub = await bus.js.pull_subscribe(
            bus.topology.assessments,
            durable=None,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        yield Pipeline(
            bus, pool, tasks, clock, Scheduler(pool, bus, settings, clock), settings, sub
        )
        stop.set()
        await asyncio.gather(*running)
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
    await bus.close()


async def test_a_second_source_merges_and_a_revision_alerts_once_with_the_difference(
    pipeline: Pipeline,
) -> None:
    first = arrival(received=RECEIVED)
    await pipeline.send(first)
    (new,) = await pipeline.published()
    assert (new.alert_kind, new.trigger, new.ltb_quantity, new.ltb_cost) == (
        "new",
        "arrival",
        536,
        "268.00",
    )
    assert new.record_id

    copy = arrival(
        source="email_gateway", event="mail", received=RECEIVED, notice_number="PDN25-0001"
    )
    await pipeline.send(copy)
    assert await pipeline.published() == []  # no second alert
    task = await pipeline.task(copy.task_id)
    assert task.state == "SUCCESS"
    (entry,) = task.result.notices
    assert (entry["outcome"], entry["record_id"]) == ("merged", new.record_id)
    notify = next(s for s in task.steps if s.name == "notify")
    assert notify.state == "done"  # skipped for its only part: the task still ends
    assert any("no second alert" in line for line in notify.log)

    revision = arrival(
        event="rev-b", received=RECEIVED, revision="Rev B", last_time_buy_date="2026-08-01"
    )
    await pipeline.send(revision)
    (changed,) = await pipeline.published()
    assert (changed.alert_kind, changed.trigger, changed.record_id) == (
        "changed",
        "revision",
        new.record_id,
    )
    changes = {c.field: (c.before, c.after) for c in changed.changes}
    assert changes["last_time_buy_date"] == ("2026-05-03", "2026-08-01")
    # Three more months before the new LTB date are bought through regular orders.
    assert changes["ltb_quantity"][0] == "536"
    assert int(changes["ltb_quantity"][1]) < 536
    # The same revision again (redelivered, or from another source): nothing more.
    await pipeline.send(
        arrival(
            event="rev-b2", received=RECEIVED, revision="Rev B", last_time_buy_date="2026-08-01"
        )
    )
    assert await pipeline.published() == []


async def test_a_catalog_change_reassesses_only_the_notices_it_touches(pipeline: Pipeline) -> None:
    for mpn in ("LM358DR", "NE555P", "TL072CP"):
        await pipeline.send(arrival(mpn, event=mpn, received=RECEIVED))
    first = {a.mpn: a for a in await pipeline.published()}
    assert first["NE555P"].recommended_action == "accept"  # a million in stock
    assert first["TL072CP"].match_kind == "none"
    counts = await pipeline.pool.fetch(
        "SELECT n.mpn, count(a.*) FROM notices n JOIN assessments a USING (record_id) GROUP BY 1"
    )
    assert {r["mpn"]: r["count"] for r in counts} == {"LM358DR": 1, "NE555P": 1, "TL072CP": 1}

    # NE555P runs out: its action and severity change. LM358DR loses ten parts: money moves by
    # USD 5, under the re-alert thresholds.
    parts = HAND["parts.csv"].replace("1000000,0", "0,0").replace("800,200", "790,200")
    await import_texts(pipeline.pool, {"parts.csv": parts})
    await catalog_changed(pipeline.pool, "test")
    asked, reminders = await pipeline.scheduler.tick()
    assert (asked, reminders) == (2, 0)
    (alert,) = await pipeline.published()
    assert (alert.mpn, alert.alert_kind, alert.trigger) == ("NE555P", "changed", "catalog")
    changes = {c.field: (c.before, c.after) for c in alert.changes}
    assert changes["recommended_action"] == ("accept", "last_time_buy")
    counts = await pipeline.pool.fetch(
        "SELECT n.mpn, count(a.*) FROM notices n JOIN assessments a USING (record_id) GROUP BY 1"
    )
    # LM358DR re-assessed and recorded without an alert; TL072CP untouched.
    assert {r["mpn"]: r["count"] for r in counts} == {"LM358DR": 2, "NE555P": 2, "TL072CP": 1}
    quiet = await pipeline.pool.fetchval(
        "SELECT alert_kind FROM assessments WHERE mpn = 'LM358DR' AND trigger = 'catalog'"
    )
    assert quiet == "none"
    assert await pipeline.scheduler.tick() == (0, 0)  # nothing stale any more


async def test_reminders_fire_on_the_clock_once_and_stop_after_a_decision(
    pipeline: Pipeline,
) -> None:
    await pipeline.send(arrival(received=RECEIVED))
    (new,) = await pipeline.published()
    ltb = date.fromisoformat(new.effective_last_time_buy_date)
    pipeline.clock.set(ltb - timedelta(days=90))
    # Two schedulers (two replicas) on the same day: one reminder.
    other = Scheduler(pipeline.pool, pipeline.bus, pipeline.settings, pipeline.clock)
    await asyncio.gather(pipeline.scheduler.tick(), other.tick())
    # The reminder is the day's assessment: no separate daily re-assessment beside it.
    (reminder,) = await pipeline.published()
    assert (reminder.alert_kind, reminder.trigger, reminder.reminder_days) == (
        "reminder",
        "reminder",
        90,
    )
    assert reminder.as_of == (ltb - timedelta(days=90)).isoformat()
    await pipeline.scheduler.tick()
    assert await pipeline.published() == []

    await decide(pipeline.pool, new.record_id, DecisionInput(actor="bob", action="accept"))
    pipeline.clock.set(ltb - timedelta(days=30))
    await pipeline.scheduler.tick()
    assert [a.alert_kind for a in await pipeline.published()] == []
    sent = await pipeline.pool.fetch("SELECT offset_days FROM notice_reminders")
    assert [r["offset_days"] for r in sent] == [90]


async def test_a_review_asked_for_twice_alerts_once_and_its_task_ends(pipeline: Pipeline) -> None:
    """The scheduler may ask for a review's re-assessment before the API's message is handled:
    one assessment, one alert id, and the review's task still hears from the notifier."""
    await pipeline.send(arrival(received=RECEIVED))
    (new,) = await pipeline.published()
    result = await review_notice(
        pipeline.pool,
        new.record_id,
        ReviewInput(actor="jane", corrections={"last_time_buy_date": "2026-06-02"}),
    )
    scheduled = reassess(
        new.record_id, trigger="review", key=f"facts:{result.record.facts_version}"
    )
    await request_work(pipeline.bus, scheduled)
    task = Task.new("c" * 32, "d" * 32, source="review", format="review")
    await pipeline.tasks.create(task)
    asked = reassess(new.record_id, trigger="review", key=scheduled.key, actor="jane")
    await request_work(pipeline.bus, asked, task_id=task.task_id, trace_id=task.trace_id)
    published = await pipeline.published()
    assert {a.assessment_id for a in published} == {published[0].assessment_id}
    assert published[0].alert_kind == "changed"
    assert task.task_id in {a.task_id for a in published}
    state = await pipeline.tasks.get(task.task_id)
    assert next(s for s in state.steps if s.name == "persist").state == "done"
