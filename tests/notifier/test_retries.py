"""Transient failures, rate limits, routing and cancellation, with the service running for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from radar_cli.infra import NatsServer
from tests.notifier.conftest import SettingsFactory
from tests.notifier.harness import (
    counter,
    eventually,
    finished,
    pipeline,
    publish,
    running,
    states,
)
from tests.notifier.samples import assessment
from tests.support.receiver import Answer, Receiver

pytestmark = pytest.mark.integration


async def test_a_500_storm_is_retried_and_redelivered_until_sent_once(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    notifier_settings: SettingsFactory,
) -> None:
    receiver.script("/teams", *[Answer(500, b"storm")] * 4)
    settings = notifier_settings("slack", "teams")
    retries = counter("radar_notifier_retries_total", channel="teams")
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, assessment())
        task = await finished(tasks, "task-1")
    # 3 tries in the first delivery, then the redelivery sends teams only: 500, then 200.
    assert len(receiver.requests_to("/teams")) == 5
    assert len(receiver.requests_to("/slack")) == 1
    assert task.state == "SUCCESS"
    assert counter("radar_notifier_retries_total", channel="teams") >= retries + 3
    assert await states(database_url, "asm-1") == {
        "slack": ("sent", 1, ""),
        "teams": ("sent", 5, ""),
    }


async def test_a_channel_that_never_recovers_is_dead_after_the_last_delivery(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    notifier_settings: SettingsFactory,
) -> None:
    receiver.default("/teams", Answer(503, b"unavailable"))
    settings = notifier_settings("slack", "teams", max_deliver=3, send_attempts=2)
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, assessment())
        await eventually(
            lambda: _state_is(database_url, "teams", "dead"),
            timeout=30,
        )
        task = await finished(tasks, "task-1")
    rows = await states(database_url, "asm-1")
    assert rows["teams"][0] == "dead"
    assert rows["teams"][2].startswith("gave up after 3 deliveries: teams: HTTP 503")
    assert len(receiver.requests_to("/teams")) == 6  # bounded: 3 deliveries x 2 tries
    assert len(receiver.requests_to("/slack")) == 1
    assert task.state == "SUCCESS"  # Slack has it; the dead channel is shown on the task
    shown = {n["channel"]: n["state"] for n in task.result.notifications}
    assert shown == {"slack": "sent", "teams": "dead"}


async def _state_is(database_url: str, channel: str, state: str) -> bool:
    return (await states(database_url, "asm-1")).get(channel, ("",))[0] == state


async def test_rate_limit_is_respected_at_the_receiver(
    nats_server: NatsServer, receiver: Receiver, notifier_settings: SettingsFactory
) -> None:
    rate, burst, n = 4.0, 2, 10
    settings = notifier_settings(
        "slack", slack={"rate_per_second": rate, "burst": burst}, send_budget_seconds=3.0
    )
    waited = counter("radar_notifier_rate_limit_wait_seconds_total", channel="slack")
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        for i in range(n):
            await publish(bus, tasks, assessment(assessment_id=f"asm-{i}", task_id=f"t-{i}"))
        await eventually(lambda: len(receiver.requests_to("/slack")) >= n, timeout=30)
    times = sorted(r.at for r in receiver.requests_to("/slack"))
    assert len(times) == n
    # Token bucket: any window [t_i, t_j] holds at most burst + rate * (t_j - t_i) sends. The
    # receiver stamps arrivals, so allow 120 ms (half an interval) of scheduling jitter on a
    # busy machine; without the limiter all ten arrive within a few tens of milliseconds.
    for i in range(n):
        for j in range(i + burst, n):
            assert times[j] - times[i] >= (j - i + 1 - burst) / rate - 0.12, (i, j, times)
    assert times[-1] - times[0] >= (n - burst) / rate - 0.12
    assert counter("radar_notifier_rate_limit_wait_seconds_total", channel="slack") > waited


async def test_info_is_recorded_but_sent_only_where_a_route_asks(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    tmp_path: Path,
    notifier_settings: SettingsFactory,
) -> None:
    routes = tmp_path / "routes.yaml"
    routes.write_text(
        "product_lines: {sensors: ['DEMO-SENSOR*']}\n"
        "routes:\n"
        "  - {name: eng, channels: [slack]}\n"
        "  - {name: owners, channels: [teams], min_severity: info, product_lines: [sensors]}\n"
    )
    settings = notifier_settings("slack", "teams", routes_file=routes)
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, assessment(severity="info"))
        task = await finished(tasks, "task-1")
    assert task.state == "SUCCESS"
    assert len(receiver.requests_to("/teams")) == 1
    assert receiver.requests_to("/slack") == []
    assert await states(database_url, "asm-1") == {
        "slack": ("skipped", 0, "not routed (severity info)"),
        "teams": ("sent", 1, ""),
    }


async def test_no_alert_for_a_cancelled_task(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    notifier_settings: SettingsFactory,
) -> None:
    # One token a second: the second part waits for its turn, and the task is cancelled then.
    settings = notifier_settings(
        "slack", slack={"rate_per_second": 0.5, "burst": 1}, send_budget_seconds=3.0
    )
    first = assessment(part_index=0, part_count=2)
    second = assessment(assessment_id="asm-2", part_index=1, part_count=2)
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, first)
        await eventually(lambda: receiver.requests_to("/slack"))
        await publish(bus, tasks, second, new_task=False)
        # Claimed and waiting for its token: cancel now.
        await eventually(lambda: _claimed(database_url, "asm-2"))
        await tasks.cancel("task-1")
        await eventually(lambda: _skipped(database_url, "asm-2"), timeout=10)
    assert len(receiver.requests_to("/slack")) == 1
    assert (await tasks_state(nats_server.url)) == "CANCELLED"


async def _claimed(database_url: str, assessment_id: str) -> bool:
    return (await states(database_url, assessment_id)).get("slack", ("",))[0] == "pending"


async def _skipped(database_url: str, assessment_id: str) -> bool:
    rows = await states(database_url, assessment_id)
    return rows.get("slack") == ("skipped", 0, "task cancelled before sending")


async def tasks_state(nats_url: str) -> str:
    async with pipeline(nats_url) as (_, tasks):
        return str((await tasks.get("task-1")).state)
