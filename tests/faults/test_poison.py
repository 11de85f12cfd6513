"""Poison messages: dead-lettered with the reason after bounded deliveries; the flow goes on."""

from __future__ import annotations

import asyncio
import time

import pytest

from radar_cli.infra import NatsServer, PostgresServer
from radar_common.bus.topology import Topology
from radar_common.contracts import Assessment, DeadLetter
from tests.faults.conftest import PipelineFactory
from tests.faults.harness import LEDGERS, Accounting, Sender, wait_terminal
from tests.faults.hooks import HookReceiver
from tests.faults.streams import consumer_lag, dead_letters, publish

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(180)]
MAX_DELIVER = 3


async def _wait_letters(url: str, stages: set[str], timeout: float = 60.0) -> dict[str, DeadLetter]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        letters = {d.stage: d for d in await dead_letters(url)}
        if stages <= set(letters):
            return letters
        await asyncio.sleep(0.3)
    raise TimeoutError(f"no dead letter from {stages - set(letters)}")


def test_poison_messages_are_dead_lettered_and_the_consumers_keep_flowing(
    make_pipeline: PipelineFactory,
    nats_server: NatsServer,
    postgres_server: PostgresServer,
    database_url: str,
    receiver: HookReceiver,
) -> None:
    pipeline = make_pipeline(
        database_url, RADAR_MAX_DELIVER=str(MAX_DELIVER), RADAR_RETRY_BASE_SECONDS="0.2"
    )
    topology = Topology()
    started = time.monotonic()
    before = Sender(pipeline.api_url, 20, rate=100, prefix="PRE").start()
    # Bytes no protobuf decoder accepts, straight onto the raw events subject.
    asyncio.run(publish(nats_server.url, topology.raw_events, b"\xff\xff\xff\xff\x0f", "poison-1"))
    # A well-formed assessment PostgreSQL refuses every time (NUL in a text column): the
    # notifier's handler fails on each delivery.
    crash = Assessment(assessment_id="poison\x00id", notice_id="n", mpn="POISON", severity="high")
    asyncio.run(publish(nats_server.url, topology.assessments, crash.SerializeToString(), "p-2"))
    before.join()
    after = Sender(pipeline.api_url, 20, rate=100, prefix="POST").start()
    after.join()

    letters = asyncio.run(_wait_letters(nats_server.url, {"normalizer", "notifier"}))
    accepted = set(before.accepted.values()) | set(after.accepted.values())
    views = wait_terminal(pipeline.api_url, accepted, timeout=90)
    ledger = Accounting.of(
        "poison messages among 40 notices",
        accepted,
        views,
        receiver.deliveries(),
        time.monotonic() - started,
    )
    LEDGERS.append(ledger)
    print(ledger.table())

    garbage, refused = letters["normalizer"], letters["notifier"]
    assert garbage.reason
    assert garbage.data == b"\xff\xff\xff\xff\x0f"
    assert garbage.deliveries == 1  # undecodable: no retry
    assert refused.reason
    assert 1 <= refused.deliveries <= MAX_DELIVER
    assert ledger.balanced, ledger.table()
    assert ledger.succeeded == 40, ledger.table()
    for consumer in (topology.normalizer_consumer, topology.notifier_consumer):
        pending, ack_pending = asyncio.run(
            consumer_lag(nats_server.url, consumer.stream, consumer.durable)
        )
        assert (pending, ack_pending) == (0, 0), f"{consumer.durable} is stuck"
