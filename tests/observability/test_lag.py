"""JetStream backlog gauges against a real nats-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from radar_cli.infra import NatsServer
from radar_common.bus.connection import Bus
from radar_common.bus.lag import backlog_gauges, export_backlog, read_backlog
from radar_common.bus.topology import Topology

pytestmark = pytest.mark.integration


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    topology = Topology(stream_prefix="LAG", subject_prefix="lag")
    b = await Bus.connect(nats_server.url, topology, name="test-lag")
    await b.ensure_topology()
    try:
        yield b
    finally:
        await b.close()


def gauge(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_backlog_counts_pending_messages_and_dead_letters(bus: Bus) -> None:
    t = bus.topology
    for i in range(3):
        await bus.publish(t.raw_events, b"event", msg_id=f"e{i}")
    await bus.publish(t.notice_work, b"work", msg_id="w1")
    await bus.publish(t.dead_letter("normalizer"), b"letter", msg_id="d1")

    backlog = await read_backlog(bus.js, t)

    lag = {c.consumer: c for c in backlog.consumers}
    assert lag["normalizer"].pending == 3
    assert lag["normalizer"].ack_pending == 0
    assert lag["inference"].pending == 0
    assert lag["inference-work"].pending == 1  # inference's second consumer is watched too
    assert backlog.streams["LAG_EVENTS"] == 3
    assert backlog.dlq_stream == "LAG_DLQ"
    assert backlog.dlq_depth == 1

    export_backlog(backlog)
    labels = {"stream": "LAG_EVENTS", "consumer": "normalizer"}
    assert gauge("radar_jetstream_consumer_pending_messages", **labels) == 3
    assert gauge("radar_jetstream_consumer_ack_pending_messages", **labels) == 0
    assert gauge("radar_dlq_messages", stream="LAG_DLQ") == 1


async def test_fetched_but_unacked_messages_count_as_ack_pending(bus: Bus) -> None:
    t = bus.topology
    await bus.publish(t.raw_events, b"event", msg_id="e1")
    sub = await bus.js.pull_subscribe_bind("normalizer", stream="LAG_EVENTS")
    (msg,) = await sub.fetch(1, timeout=2)

    backlog = await read_backlog(bus.js, t)
    normalizer = next(c for c in backlog.consumers if c.consumer == "normalizer")
    assert (normalizer.pending, normalizer.ack_pending) == (0, 1)
    await msg.ack()


async def test_background_poll_follows_the_backlog(bus: Bus) -> None:
    t = bus.topology
    labels = {"stream": "LAG_NOTICES", "consumer": "inference"}
    async with backlog_gauges(bus.js, t, interval_seconds=0.05):
        await bus.publish(t.notices, b"notice", msg_id="n1")
        await bus.publish(t.notices, b"notice", msg_id="n2")
        for _ in range(100):
            pending = gauge("radar_jetstream_consumer_pending_messages", **labels)
            stored = gauge("radar_jetstream_stream_messages", stream="LAG_NOTICES")
            if pending == stored == 2:
                break
            await asyncio.sleep(0.05)
    assert gauge("radar_jetstream_consumer_pending_messages", **labels) == 2
    assert gauge("radar_jetstream_stream_messages", stream="LAG_NOTICES") == 2
