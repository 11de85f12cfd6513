"""Run the notifier service in-process against real NATS, PostgreSQL and loopback receivers."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
from prometheus_client import REGISTRY

from radar_cli.infra import free_port
from radar_common.bus.connection import TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.topology import Topology
from radar_common.contracts import Assessment
from radar_common.tasks import TaskStore
from radar_common.tasks.model import Task
from radar_notifier.main import serve
from radar_notifier.settings import NotifierSettings

# Short timings so that redeliveries and leases play out within a test.
FAST: dict[str, Any] = {
    "ack_wait_seconds": 5.0,
    "max_deliver": 6,
    "retry_base_seconds": 0.2,
    "retry_max_seconds": 1.0,
    "fetch_timeout_seconds": 0.2,
    "http_timeout_seconds": 0.5,
    "send_attempts": 3,
    "send_budget_seconds": 2.0,
    "backoff_base_seconds": 0.05,
    "backoff_max_seconds": 0.2,
    "lease_seconds": 4.0,
    "shutdown_grace_seconds": 3.0,
    "log_json": False,
}


def settings_for(nats_url: str, database_url: str, **overrides: Any) -> NotifierSettings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "http_port": free_port(),
        "public_url": "http://radar.test",
        **FAST,
        **overrides,
    }
    return NotifierSettings(**values)


@contextlib.asynccontextmanager
async def running(settings: NotifierSettings) -> AsyncIterator[None]:
    """The notifier service, ready to consume, until the block ends."""
    stop = asyncio.Event()
    service = asyncio.create_task(serve(settings, stop))
    url = f"http://127.0.0.1:{settings.http_port}/readyz"
    try:
        async with httpx.AsyncClient() as http:
            deadline = time.monotonic() + 30
            while True:
                if service.done():
                    service.result()
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(url)).status_code == 200:
                        break
                assert time.monotonic() < deadline, "notifier not ready"
                await asyncio.sleep(0.05)
        yield
    finally:
        stop.set()
        await asyncio.wait_for(service, 30)


@contextlib.asynccontextmanager
async def pipeline(nats_url: str) -> AsyncIterator[tuple[Bus, TaskStore]]:
    """A bus to publish assessments on and the task store to read the tasks back."""
    bus = await Bus.connect(nats_url, Topology(), name="test")
    try:
        await bus.ensure_topology()
        yield bus, await TaskStore.open(bus.js, bus.topology.tasks_bucket)
    finally:
        await bus.close()


async def publish(
    bus: Bus, tasks: TaskStore, a: Assessment, *, msg_id: str | None = None, new_task: bool = True
) -> None:
    """Publish ``a`` as inference would (creating its task first)."""
    if new_task:
        await tasks.create(Task.new(a.task_id, a.trace_id))
    await bus.publish(
        bus.topology.assessments,
        a.SerializeToString(),
        msg_id=msg_id or f"inference:{a.assessment_id}:{uuid.uuid4().hex}",
        headers={TASK_ID_HEADER: a.task_id, TRACE_ID_HEADER: a.trace_id},
    )


def counter(name: str, **labels: str) -> float:
    """A Prometheus sample of this process (the notifier runs in-process), 0 when absent."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll an async or plain check until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


async def finished(tasks: TaskStore, task_id: str, timeout: float = 20.0) -> Task:
    """The task once it reached a terminal state."""

    async def check() -> Task | None:
        task = await tasks.get(task_id)
        return task if task.state.terminal else None

    result: Task = await eventually(check, timeout)
    return result


async def notification_state(
    tasks: TaskStore, task_id: str, channel: str, state: str, timeout: float = 20.0
) -> dict[str, Any]:
    """The notification summary on the task once ``channel`` reached ``state``."""

    async def check() -> dict[str, Any] | None:
        task = await tasks.get(task_id)
        return next(
            (
                n
                for n in task.result.notifications
                if (n["channel"], n["state"]) == (channel, state)
            ),
            None,
        )

    result: dict[str, Any] = await eventually(check, timeout)
    return result


async def states(database_url: str, assessment_id: str) -> dict[str, tuple[str, int, str]]:
    """channel -> (state, attempts, last_error) straight from PostgreSQL."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT channel, state, attempts, last_error FROM notifications"
            " WHERE assessment_id = $1",
            assessment_id,
        )
    finally:
        await conn.close()
    return {r["channel"]: (r["state"], r["attempts"], r["last_error"] or "") for r in rows}
