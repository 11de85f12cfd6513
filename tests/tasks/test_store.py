"""The task store under concurrency: two replicas racing on one task lose nothing."""

from __future__ import annotations

import asyncio
import random

import pytest

from radar_cli.infra import NatsServer
from radar_common.tasks import TaskState, TaskStore
from radar_common.tasks.store import DEFAULT_RETENTION_SECONDS
from tests.tasks.conftest import new_task, open_store, unique_prefix

pytestmark = pytest.mark.integration
PARTS = 24


async def test_two_replicas_reporting_concurrently_lose_no_unit_and_percent_never_drops(
    nats: NatsServer,
) -> None:
    prefix = unique_prefix()
    (bus_a, replica_a), (bus_b, replica_b), (bus_w, watcher) = [
        await open_store(nats.url, prefix) for _ in range(3)
    ]
    try:
        task = await new_task(replica_a)
        seen: list[tuple[int, int, TaskState]] = []

        async def watch() -> None:
            async for t, revision in watcher.watch(task.task_id):
                seen.append((revision, t.percent, t.state))
                if t.state.terminal:
                    return

        watching = asyncio.create_task(watch())
        await replica_a.report(task.task_id, "normalize", "done")
        # Every (step, part) report, shuffled and split between the replicas, all at once;
        # notify goes last so that the task cannot succeed before the others land.
        reports = [(s, str(p)) for p in range(PARTS) for s in ("match", "assess", "persist")]
        random.Random(7).shuffle(reports)
        await asyncio.gather(
            *(
                (replica_a if i % 2 else replica_b).report(
                    task.task_id, step, "done", unit=part, total_units=PARTS, message=f"{part}"
                )
                for i, (step, part) in enumerate(reports)
            )
        )
        middle = await replica_b.get(task.task_id)
        assert middle.state is TaskState.RUNNING
        for step in ("match", "assess", "persist"):
            assert sorted(middle.step(step).units_done, key=int) == [str(p) for p in range(PARTS)]
            assert middle.step(step).state == "done"
        assert middle.percent == 70

        await asyncio.gather(
            *(
                (replica_a if p % 2 else replica_b).report(
                    task.task_id, "notify", "done", unit=str(p), total_units=PARTS
                )
                for p in range(PARTS)
            )
        )
        await asyncio.wait_for(watching, timeout=10)
        final = await replica_a.get(task.task_id)
        assert final.state is TaskState.SUCCESS
        assert final.percent == 100
        assert len(final.step("notify").units_done) == PARTS

        revisions = [r for r, _, _ in seen]
        percents = [p for _, p, _ in seen]
        assert revisions == sorted(set(revisions))
        assert percents == sorted(percents), "a watcher never sees percent go down"
        assert percents[-1] == 100
        assert [s for _, _, s in seen].count(TaskState.SUCCESS) == 1
    finally:
        for bus in (bus_a, bus_b, bus_w):
            await bus.close()


async def test_a_report_after_a_cancel_changes_nothing(nats: NatsServer) -> None:
    bus, store = await open_store(nats.url, unique_prefix())
    try:
        task = await new_task(store)
        await asyncio.gather(
            store.cancel(task.task_id),
            *(store.report(task.task_id, "normalize", "running") for _ in range(5)),
        )
        assert await store.is_cancelled(task.task_id)
        await store.report(task.task_id, "notify", "done", unit="0", total_units=1)
        after = await store.get(task.task_id)
        assert after.state is TaskState.CANCELLED
        assert after.percent < 100
    finally:
        await bus.close()


async def test_the_watch_ends_when_the_task_is_deleted(nats: NatsServer) -> None:
    bus, store = await open_store(nats.url, unique_prefix())
    try:
        task = await new_task(store)
        seen: list[int] = []

        async def watch() -> None:
            async for _, revision in store.watch(task.task_id):
                seen.append(revision)

        watching = asyncio.create_task(watch())
        await asyncio.sleep(0.2)
        await store.kv.delete(task.task_id)
        await asyncio.wait_for(watching, timeout=5)
        assert len(seen) == 1
    finally:
        await bus.close()


async def test_retention_is_set_by_the_owner_of_the_setting(nats: NatsServer) -> None:
    prefix = unique_prefix()
    bus, _ = await open_store(nats.url, prefix)  # a worker: default TTL
    try:
        bucket = bus.topology.tasks_bucket
        assert (await bus.js.stream_info(f"KV_{bucket}")).config.max_age == pytest.approx(
            DEFAULT_RETENTION_SECONDS
        )
        await TaskStore.open(bus.js, bucket, retention_seconds=3600)  # ingestion
        assert (await bus.js.stream_info(f"KV_{bucket}")).config.max_age == pytest.approx(3600)
        await TaskStore.open(bus.js, bucket)  # a worker starting later leaves it alone
        assert (await bus.js.stream_info(f"KV_{bucket}")).config.max_age == pytest.approx(3600)
    finally:
        await bus.close()


async def test_a_bad_report_fails_alone_when_reports_are_written_together(
    nats: NatsServer,
) -> None:
    bus, store = await open_store(nats.url, unique_prefix())
    try:
        task = await new_task(store)
        _, created_revision = await store.get_with_revision(task.task_id)
        results = await asyncio.gather(
            *(
                store.report(task.task_id, "match", "done", unit=str(p), total_units=4)
                for p in (0, 1)
            ),
            store.report(task.task_id, "match", "finished"),
            *(
                store.report(task.task_id, "match", "done", unit=str(p), total_units=4)
                for p in (2, 3)
            ),
            return_exceptions=True,
        )
        assert [type(r).__name__ for r in results] == [
            "NoneType",
            "NoneType",
            "ValueError",
            "NoneType",
            "NoneType",
        ]
        after, revision = await store.get_with_revision(task.task_id)
        assert after.step("match").state == "done"
        # Five reports made at once in one process are folded into a single write.
        assert revision - created_revision == 1
    finally:
        await bus.close()


async def test_listing_skips_deleted_tasks_and_an_empty_bucket_answers_at_once(
    nats: NatsServer,
) -> None:
    bus, store = await open_store(nats.url, unique_prefix())
    try:
        assert await store.list() == []
        kept, gone = await new_task(store), await new_task(store)
        await store.kv.delete(gone.task_id)
        for _ in range(20):  # the end of the listing is found however fast the server is
            assert [t.task_id for t in await store.list()] == [kept.task_id]
    finally:
        await bus.close()


async def test_a_write_from_a_passed_along_record_makes_no_read(nats: NatsServer) -> None:
    prefix = unique_prefix()
    (bus_a, writer), (bus_b, reader) = [await open_store(nats.url, prefix) for _ in range(2)]
    try:
        task = await new_task(writer)
        await writer.report(task.task_id, "normalize", "done")
        known = writer.last_known(task.task_id)
        assert known is not None
        reader.seed(task.task_id, *known)
        sent = bus_b.nc.stats["out_msgs"]
        await reader.apply(
            task.task_id,
            [lambda t: t.apply("match", "done", unit="0", total_units=1)],
        )
        assert bus_b.nc.stats["out_msgs"] - sent == 1, "one compare-and-set write, no read"

        # A stale copy is refused by compare-and-set and the write reads after all.
        reader.seed(task.task_id, *known)  # older than what it wrote: ignored
        writer.seed(task.task_id, *known)
        writer._last_written[task.task_id] = known  # a copy another process has outdated
        await writer.apply(task.task_id, [lambda t: t.apply("assess", "done", unit="0")])
        final = await reader.get(task.task_id)
        assert final.step("match").state == "done"
        assert "0" in final.step("assess").units_done
    finally:
        for bus in (bus_a, bus_b):
            await bus.close()
