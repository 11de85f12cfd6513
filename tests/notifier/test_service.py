"""The notifier service against real NATS, PostgreSQL and loopback Slack/Teams/webhook receivers.

The receivers answer like the real services do: Slack's plain-text errors, 429 with
Retry-After, 500 storms, 404/410 for gone channels, and requests that hang past the timeout.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from radar_cli.infra import NatsServer
from radar_common.bus.dead_letters import DeadLetters
from radar_common.contracts import DeadLetter
from tests.notifier.conftest import SettingsFactory
from tests.notifier.harness import (
    counter,
    eventually,
    finished,
    notification_state,
    pipeline,
    publish,
    running,
    states,
)
from tests.notifier.samples import assessment
from tests.support.receiver import Answer, Receiver

pytestmark = pytest.mark.integration
SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw=="


async def test_every_channel_gets_the_alert_once_and_the_task_shows_it(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    notifier_settings: SettingsFactory,
) -> None:
    settings = notifier_settings("slack", "teams", "webhook", webhook_signing_secret=SECRET)
    a = assessment()
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, a)
        task = await finished(tasks, a.task_id)
        # A redelivery (same assessment, new message) sends nothing again.
        await publish(bus, tasks, a, new_task=False)
        await publish(bus, tasks, a, new_task=False)
        await asyncio.sleep(1.0)
        results = await bus.js.pull_subscribe(bus.topology.notifications, durable="t")
        outcomes = await results.fetch(3, timeout=5)
        async with httpx.AsyncClient() as http:
            exposed = (await http.get(f"http://127.0.0.1:{settings.http_port}/metrics")).text
    assert 'radar_notifier_notifications_total{channel="slack",outcome="sent"}' in exposed
    assert 'radar_notifier_notifications_total{channel="teams",outcome="duplicate"}' in exposed
    assert [len(receiver.requests_to(p)) for p in ("/slack", "/teams", "/hook")] == [1, 1, 1]
    slack = receiver.requests_to("/slack")[0].json()
    assert slack["text"].startswith("HIGH: EXR12-33DBVR")
    assert slack["blocks"][0]["type"] == "header"
    teams = receiver.requests_to("/teams")[0].json()
    assert teams["attachments"][0]["content"]["type"] == "AdaptiveCard"
    hook = receiver.requests_to("/hook")[0]
    body = Webhook(SECRET).verify(hook.body, hook.headers)
    assert body["data"]["assessment_id"] == "asm-1"
    assert body["alert"]["status_url"] == "http://radar.test/v1/tasks/task-1"
    assert hook.headers["webhook-id"] == hook.headers["Idempotency-Key"]
    assert task.state == "SUCCESS"
    shown = {n["channel"]: n for n in task.result.notifications}
    assert {c: n["state"] for c, n in shown.items()} == {
        "slack": "sent",
        "teams": "sent",
        "webhook": "sent",
    }
    assert all(n["attempts"] == 1 and n["sent_at"] for n in shown.values())
    assert len(outcomes) == 3
    assert await states(database_url, "asm-1") == {
        "slack": ("sent", 1, ""),
        "teams": ("sent", 1, ""),
        "webhook": ("sent", 1, ""),
    }


async def test_429_retry_after_is_honoured(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    notifier_settings: SettingsFactory,
) -> None:
    receiver.script("/slack", Answer(429, b"rate_limited", {"Retry-After": "1"}))
    settings = notifier_settings("slack")
    before = counter("radar_notifier_http_429_total", channel="slack")
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, assessment())
        await eventually(lambda: len(receiver.requests_to("/slack")) >= 2)
        await finished(tasks, "task-1")
    first, second = receiver.requests_to("/slack")
    assert second.at - first.at >= 1.0
    assert counter("radar_notifier_http_429_total", channel="slack") == before + 1
    assert (await states(database_url, "asm-1"))["slack"][:2] == ("sent", 2)


async def test_a_dead_channel_is_dead_lettered_and_does_not_block_the_others(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    notifier_settings: SettingsFactory,
) -> None:
    receiver.default("/slack", Answer(404, b"channel_not_found"))
    receiver.default("/teams", Answer(200, b"", delay=1.0))  # hangs past the 0.5 s timeout
    settings = notifier_settings("slack", "teams", "webhook")
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        dlq = await bus.js.pull_subscribe(bus.topology.dead_letter("notifier"), durable="dlq")
        started = time.time()
        await publish(bus, tasks, assessment())
        hook = (await eventually(lambda: receiver.requests_to("/hook")))[0]
        assert hook.at - started < 5.0
        letters = await dlq.fetch(1, timeout=10)
        await notification_state(tasks, "task-1", "teams", "failed")
    letter = DeadLetter()
    letter.ParseFromString(letters[0].data)
    assert letter.reason == "slack: HTTP 404 channel_not_found"
    assert len(receiver.requests_to("/slack")) == 1  # permanent: never retried
    # Not held up by Teams: the webhook had its alert before Teams' first (hung) request ended.
    assert hook.at < min(r.at for r in receiver.requests_to("/teams"))
    rows = await states(database_url, "asm-1")
    assert rows["slack"] == ("dead", 1, "slack: HTTP 404 channel_not_found")
    assert rows["webhook"][0] == "sent"
    assert rows["teams"][0] in ("failed", "pending")
    assert "timed out" in rows["teams"][2] or rows["teams"][0] == "pending"


async def test_replaying_a_dead_notification_retries_that_channel_only(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    notifier_settings: SettingsFactory,
) -> None:
    receiver.script("/slack", Answer(410, b"channel_is_archived"))  # then fixed: 200
    settings = notifier_settings("slack", "webhook")
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        await publish(bus, tasks, assessment())
        await notification_state(tasks, "task-1", "slack", "dead")
        letters = DeadLetters(bus, tasks)
        ids = await eventually(letters.ids)
        replayed = await letters.replay(ids[0])
        assert replayed.task_id == "task-1"
        await eventually(lambda: len(receiver.requests_to("/slack")) == 2)
        await notification_state(tasks, "task-1", "slack", "sent")
    assert len(receiver.requests_to("/hook")) == 1  # the live channel is not sent again
    state, attempts, _ = (await states(database_url, "asm-1"))["slack"]
    assert (state, attempts) == ("sent", 2)
