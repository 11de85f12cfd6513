"""GET /v1/tasks/{id}/events: every change pushed at once, in order, resumable, then the end."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from radar_cli.commands.task import TaskGone, api_client, follow
from radar_common.tasks import TaskStore
from tests.tasks.conftest import API_KEY, ServedApi, new_task

pytestmark = pytest.mark.integration


@dataclass
class Event:
    at: float
    id: int
    task: dict[str, Any]


async def events(
    api: ServedApi, task_id: str, last_event_id: str = ""
) -> AsyncGenerator[Event, None]:
    """Parse the stream's `task` events (ids and JSON data) as they arrive."""
    headers = {"X-API-Key": API_KEY}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    async with (
        httpx.AsyncClient(base_url=api.url, headers=headers, timeout=10) as client,
        client.stream("GET", f"/v1/tasks/{task_id}/events") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
                continue
            if fields.get("event") == "task":
                yield Event(time.monotonic(), int(fields["id"]), json.loads(fields["data"]))
            fields = {}


async def collect(api: ServedApi, task_id: str, last_event_id: str = "") -> list[Event]:
    return [e async for e in events(api, task_id, last_event_id)]


async def test_each_change_arrives_within_a_second_in_order_until_the_end(
    served_api: ServedApi, api_store: TaskStore
) -> None:
    task = await new_task(api_store)
    stream = events(served_api, task.task_id)
    got = [await anext(stream)]  # the state at connection time

    async def rest() -> None:
        got.extend([e async for e in stream])

    reader = asyncio.create_task(rest())
    written: list[float] = []
    for step, unit in [("normalize", ""), *((s, u) for u in "012" for s in ("match", "notify"))]:
        await api_store.report(task.task_id, step, "done", unit=unit, total_units=3 if unit else 0)
        written.append(time.monotonic())
        await asyncio.sleep(0.05)
    await asyncio.wait_for(reader, timeout=10)

    assert len(got) == 1 + len(written)  # the state at connection, then every change
    assert [e.id for e in got] == sorted({e.id for e in got})
    percents = [e.task["percent"] for e in got]
    assert percents == sorted(percents)
    assert got[0].task["state"] == "QUEUED"
    assert got[-1].task["state"] == "SUCCESS"
    assert got[-1].task["percent"] == 100
    latencies = [e.at - w for e, w in zip(got[1:], written, strict=True)]
    assert max(latencies) < 1.0, latencies


async def test_reconnecting_with_last_event_id_resumes_without_gaps(
    served_api: ServedApi, api_store: TaskStore
) -> None:
    task = await new_task(api_store)
    await api_store.report(task.task_id, "normalize", "running", message="first")
    stream = events(served_api, task.task_id)
    first = await anext(stream)
    await stream.aclose()  # the client drops
    assert first.task["steps"][1]["log"][-1].endswith("first")

    # Changes while nobody listens.
    await api_store.report(task.task_id, "normalize", "done", message="while away")
    await api_store.report(task.task_id, "match", "done", unit="0", total_units=1)

    resumed = events(served_api, task.task_id, last_event_id=str(first.id))
    caught_up = await anext(resumed)
    assert caught_up.id > first.id
    assert caught_up.task["steps"][1]["log"][-1].endswith("while away")
    assert caught_up.task["steps"][2]["state"] == "done"
    assert caught_up.task["percent"] == 35

    await api_store.cancel(task.task_id)
    rest = [e async for e in resumed]
    assert [e.task["state"] for e in rest] == ["CANCELLED"]
    assert rest[0].id > caught_up.id


async def test_resuming_after_the_end_sends_the_end_once_then_204(
    served_api: ServedApi, api_store: TaskStore
) -> None:
    task = await new_task(api_store)
    await api_store.report(task.task_id, "normalize", "done")
    await api_store.fail(task.task_id, "match", "no part found")
    before_end = (await api_store.get_with_revision(task.task_id))[1] - 1

    replay = await collect(served_api, task.task_id, last_event_id=str(before_end))
    assert [e.task["state"] for e in replay] == ["FAILED"]
    assert replay[0].task["error_message"] == "no part found"

    async with httpx.AsyncClient(base_url=served_api.url, headers={"X-API-Key": API_KEY}) as c:
        seen_all = await c.get(
            f"/v1/tasks/{task.task_id}/events", headers={"Last-Event-ID": str(replay[0].id)}
        )
        assert seen_all.status_code == 204
        missing = await c.get(f"/v1/tasks/{'f' * 32}/events")
        assert missing.status_code == 404


async def test_the_cli_follows_a_task_to_its_end(
    served_api: ServedApi, api_store: TaskStore
) -> None:
    task = await new_task(api_store)
    seen: list[dict[str, Any]] = []

    def run_follow() -> dict[str, Any]:
        with api_client(served_api.url, API_KEY) as client:
            return follow(client, task.task_id, seen.append)

    following = asyncio.create_task(asyncio.to_thread(run_follow))
    await asyncio.sleep(0.3)
    for step in ("normalize", "match", "assess", "persist", "notify"):
        await api_store.report(task.task_id, step, "done", unit="0", total_units=1)
    final = await asyncio.wait_for(following, timeout=10)
    assert final["state"] == "SUCCESS"
    percents = [t["percent"] for t in seen]
    assert percents == sorted(percents)
    assert percents[0] == 5
    assert percents[-1] == 100

    # Following a task that already ended answers its final state at once.
    again: list[dict[str, Any]] = []
    with api_client(served_api.url, API_KEY) as client:
        assert follow(client, task.task_id, again.append)["state"] == "SUCCESS"
        with pytest.raises(TaskGone):
            follow(client, "e" * 32, again.append)
    assert [t["percent"] for t in again] == [100]
