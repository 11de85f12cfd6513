"""Exactly once: two replicas racing over redeliveries, and a notifier killed mid-flight.

The kill test runs the notifier as a real subprocess (``python -m radar_notifier``, as the
stack runs it) and SIGKILLs it while one channel's request is in flight and another's outcome
is already recorded but the message is not acked.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from radar_cli.infra import NatsServer, free_port
from radar_cli.stack import ServiceProcess, Stack
from radar_notifier.records import notification_id
from tests.notifier.harness import (
    FAST,
    eventually,
    finished,
    pipeline,
    publish,
    running,
    settings_for,
    states,
)
from tests.notifier.samples import assessment
from tests.support.receiver import Answer, Receiver

pytestmark = pytest.mark.integration


async def test_two_replicas_and_duplicate_deliveries_send_each_pair_once(
    nats_server: NatsServer, database_url: str, receiver: Receiver
) -> None:
    urls = {
        "slack_webhook_url": receiver.url("/slack"),
        "teams_webhook_url": receiver.url("/teams"),
        "slack": {"rate_per_second": 100.0, "burst": 100},
        "teams": {"rate_per_second": 100.0, "burst": 100},
    }
    one = settings_for(nats_server.url, database_url, **urls)
    two = settings_for(nats_server.url, database_url, **urls)
    n = 8
    async with pipeline(nats_server.url) as (bus, tasks), running(one), running(two):
        for i in range(n):
            a = assessment(assessment_id=f"asm-{i}", task_id=f"t-{i}")
            await publish(bus, tasks, a)
            # The same assessment again and again, as redeliveries or a replayed stream would.
            for _ in range(3):
                await publish(bus, tasks, a, new_task=False)
        for i in range(n):
            await finished(tasks, f"t-{i}")
        await asyncio.sleep(1.0)  # let every copy be handled
    for channel in ("slack", "teams"):
        # The idempotency key names the (assessment, channel) pair.
        keys = {notification_id(f"asm-{i}", channel): f"asm-{i}" for i in range(n)}
        sent = Counter(
            keys[r.headers["Idempotency-Key"]] for r in receiver.requests_to(f"/{channel}")
        )
        assert sent == {f"asm-{i}": 1 for i in range(n)}, channel


@pytest.mark.faults
async def test_sigkill_between_send_and_ack(
    nats_server: NatsServer, database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    # Slack answers at once; the webhook hangs, so the process dies with Slack's outcome
    # recorded but the message unacked, and the webhook's request in flight.
    receiver.script("/hook", Answer(200, b"ok", delay=5.0))
    env = {f"RADAR_{k.upper()}": str(v) for k, v in FAST.items() if k != "http_timeout_seconds"} | {
        "RADAR_SLACK_WEBHOOK_URL": receiver.url("/slack"),
        "RADAR_WEBHOOK_URL": receiver.url("/hook"),
        "RADAR_HTTP_TIMEOUT_SECONDS": "2",
        "RADAR_SEND_BUDGET_SECONDS": "2",
        "RADAR_LEASE_SECONDS": "5",
        "RADAR_ACK_WAIT_SECONDS": "3",
        "RADAR_LOG_JSON": "false",
    }
    stack = Stack(
        nats_url=nats_server.url, database_url=database_url, log_dir=tmp_path, extra_env=env
    )
    port = free_port()
    proc = ServiceProcess(
        "notifier", "radar_notifier", port, stack.env_for("notifier", port), tmp_path / "n.log"
    )
    a = assessment()
    async with pipeline(nats_server.url) as (bus, tasks):
        try:
            proc.start()
            await eventually(proc.ready, timeout=30)
            await publish(bus, tasks, a)
            await eventually(lambda: _slack_sent(database_url), timeout=15)
            await asyncio.sleep(0.3)  # the webhook request is on the wire, unanswered
            proc.stop(signal_kill())
            # The old process is gone; a new one gets the redelivery.
            proc.start()
            await eventually(proc.ready, timeout=30)
            task = await finished(tasks, a.task_id, timeout=40)
        finally:
            proc.stop()
    assert task.state == "SUCCESS"
    assert len(receiver.requests_to("/slack")) == 1  # recorded as sent: never sent again
    hooks = receiver.requests_to("/hook")
    # The webhook's first request died with the sender: the lease ran out and it was sent
    # again, with the same idempotency key so that the receiver can drop the repeat.
    assert 1 <= len(hooks) <= 2
    assert {h.headers["Idempotency-Key"] for h in hooks} == {hooks[0].headers["Idempotency-Key"]}
    rows = await states(database_url, "asm-1")
    assert rows["slack"] == ("sent", 1, "")
    assert rows["webhook"][0] == "sent"


def signal_kill() -> int:
    import signal

    return int(signal.SIGKILL)


async def _slack_sent(database_url: str) -> bool:
    return (await states(database_url, "asm-1")).get("slack", ("",))[0] == "sent"
