"""The inference stage in the real pull loop: notices in, assessments published and persisted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from nats.js.api import ConsumerConfig

from radar_cli.infra import NatsServer
from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.topology import Topology
from radar_common.bus.worker import Worker
from radar_common.catalog import import_texts
from radar_common.contracts import Assessment
from radar_common.tasks import Task, TaskStore
from radar_inference.handler import inference_stage
from radar_inference.settings import InferenceSettings
from tests.inference.catalogs import HAND, pool_for
from tests.inference.test_engine import notice

pytestmark = pytest.mark.integration
TASK = "b" * 32


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    b = await Bus.connect(nats_server.url, Topology(), name="test")
    await b.ensure_topology(max_deliver=3, ack_wait_seconds=5)
    yield b
    await b.close()


async def test_two_parts_of_a_notice_are_assessed_reported_and_published(
    bus: Bus, database_url: str
) -> None:
    settings = InferenceSettings(fetch_timeout_seconds=0.2, database_url=database_url)
    tasks = await TaskStore.open(bus.js, bus.topology.tasks_bucket)
    await tasks.create(Task.new(TASK, "a" * 32))
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        stage = inference_stage(bus.topology, pool, settings)
        worker = Worker(bus, stage, settings, tasks=tasks)
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        for index, mpn in enumerate(("LM358DR", "NE555P")):
            n = notice(mpn, task_id=TASK, part_index=index, part_count=2)
            await bus.publish(
                bus.topology.notices,
                n.SerializeToString(),
                msg_id=n.notice_id,
                headers={TASK_ID_HEADER: TASK, TRACE_ID_HEADER: "a" * 32},
            )
        sub = await bus.js.pull_subscribe(
            bus.topology.assessments, durable=None, config=ConsumerConfig()
        )
        published: list[Assessment] = []
        for _ in range(40):
            try:
                for m in await sub.fetch(2 - len(published), timeout=0.5):
                    a = Assessment()
                    a.ParseFromString(m.data)
                    published.append(a)
            except TimeoutError:
                pass
            if len(published) == 2:
                break
        stop.set()
        await running
        stored = await pool.fetchval("SELECT count(*) FROM assessments")
    by_mpn = {a.mpn: a for a in published}
    assert by_mpn["LM358DR"].ltb_quantity == 536
    assert by_mpn["NE555P"].recommended_action == "accept"  # a million in stock
    assert stored == 2
    task = await tasks.get(TASK)
    steps = {s.name: s for s in task.steps}
    for name in ("match", "assess", "persist"):
        assert steps[name].state == "done"
        assert sorted(steps[name].units_done) == ["0", "1"]
    results = {r["mpn"]: r for r in task.result.assessments}
    assert results["LM358DR"]["ltb_cost"] == "268.00"
    assert results["LM358DR"]["engine"] == "rules"
