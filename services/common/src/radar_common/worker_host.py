"""Everything a worker process owns, opened in order and closed in reverse.

``host_worker`` connects to NATS (retrying until it answers), declares the topology, opens the
task store and, when asked, the PostgreSQL pool (running migrations), serves the ops endpoints,
then runs the stage's pull loop until SIGTERM, exporting the JetStream backlog as gauges
meanwhile. Services only write ``build`` — their handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from radar_common.bus.connection import Bus
from radar_common.bus.credentials import NatsCredentials, redact_url
from radar_common.bus.lag import backlog_gauges
from radar_common.bus.topology import Topology
from radar_common.bus.worker import Stage, Worker
from radar_common.db import connect_pool, migrate
from radar_common.logs import configure_logging
from radar_common.service import ReadinessCheck, serve_ops
from radar_common.settings import RadarSettings, WorkerSettings
from radar_common.tasks import TaskStore
from radar_common.telemetry import configure_tracing, shutdown_tracing

log = logging.getLogger(__name__)


@dataclass
class WorkerRuntime:
    """Connections a stage's handler may use."""

    settings: WorkerSettings
    bus: Bus
    tasks: TaskStore
    pool: asyncpg.Pool | None
    stack: contextlib.AsyncExitStack


def topology_of(settings: RadarSettings) -> Topology:
    return Topology(stream_prefix=settings.stream_prefix, subject_prefix=settings.subject_prefix)


async def connect_bus(settings: RadarSettings, name: str, *, attempts: int = 60) -> Bus:
    """Connect to NATS, retrying (1 s apart) while it is not reachable yet.

    The URL may carry credentials: it is logged (and raised) redacted only, as is the error.
    """
    credentials = NatsCredentials.from_settings(settings)
    where = redact_url(settings.nats_url)
    last = ""
    for _ in range(attempts):
        try:
            return await Bus.connect(
                settings.nats_url, topology_of(settings), name=name, credentials=credentials
            )
        except Exception as exc:
            last = redact_url(repr(exc))
            log.warning("NATS at %s not reachable yet: %s", where, last)
            await asyncio.sleep(1.0)
    raise ConnectionError(f"cannot connect to NATS at {where}: {last}")


async def open_task_store(bus: Bus) -> TaskStore:
    return await TaskStore.open(bus.js, bus.topology.tasks_bucket)


async def host_worker(
    settings: WorkerSettings,
    build: Callable[[WorkerRuntime], Awaitable[Stage[Any, Any]]],
    stop: asyncio.Event,
    *,
    use_database: bool = False,
    extra_checks: dict[str, ReadinessCheck] | None = None,
) -> None:
    """Run one worker service until ``stop`` is set."""
    name = settings.service_name
    configure_logging(name, settings.log_level, json_lines=settings.log_json)
    configure_tracing(name)
    async with contextlib.AsyncExitStack() as stack:
        bus = await connect_bus(settings, name)
        stack.push_async_callback(bus.close)
        await bus.ensure_topology(consumers=())
        tasks = await open_task_store(bus)
        stack.push_async_callback(tasks.close)
        pool: asyncpg.Pool | None = None
        if use_database:
            pool = await connect_pool(settings.database_url)
            stack.push_async_callback(pool.close)
            await migrate(pool)
        runtime = WorkerRuntime(settings=settings, bus=bus, tasks=tasks, pool=pool, stack=stack)
        stage = await build(runtime)
        await bus.ensure_consumer(
            stage.consumer,
            max_deliver=settings.max_deliver,
            ack_wait_seconds=settings.ack_wait_seconds,
            max_ack_pending=max(settings.fetch_batch, settings.concurrency) * 10,
        )
        worker = Worker(bus, stage, settings, tasks=tasks)

        async def nats_ok() -> bool:
            return bus.connected

        checks: dict[str, ReadinessCheck] = {"nats": nats_ok}
        if pool is not None:
            db = pool

            async def db_ok() -> bool:
                return bool(await db.fetchval("SELECT 1") == 1)

            checks["postgres"] = db_ok

        async def consuming() -> bool:
            return worker.ready.is_set()

        checks["consumer"] = consuming
        checks.update(extra_checks or {})
        http = asyncio.create_task(serve_ops(name, checks, settings, stop))
        try:
            interval = settings.backlog_poll_seconds
            async with backlog_gauges(bus.js, bus.topology, interval_seconds=interval):
                await worker.run(stop)
        finally:
            stop.set()
            await http
            shutdown_tracing()
    log.info("%s stopped", name)
