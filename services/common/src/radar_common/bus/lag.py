"""JetStream backlog as Prometheus gauges: consumer pending / ack-pending and DLQ depth.

These are the numbers KEDA's ``nats-jetstream`` scaler acts on; exporting them from every
service lets Grafana draw them next to the KEDA threshold and lets alerts fire on a backlog
without a separate NATS exporter. Every replica polls and exports the same values, so
dashboards and rules aggregate them with ``max`` (never ``sum``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from radar_common import metrics
from radar_common.bus.topology import Topology

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 15.0


@dataclass(frozen=True)
class ConsumerLag:
    """Backlog of one durable consumer."""

    stream: str
    consumer: str
    pending: int
    ack_pending: int
    redelivered: int


@dataclass(frozen=True)
class Backlog:
    """One poll: every consumer's lag, every stream's size, the dead-letter depth."""

    consumers: tuple[ConsumerLag, ...]
    streams: dict[str, int]
    dlq_stream: str
    dlq_depth: int


async def read_backlog(js: JetStreamContext, topology: Topology) -> Backlog:
    """Ask the server for the size of every stream and the lag of every durable consumer.

    Streams or consumers that do not exist (yet) are left out; any other error (server
    unreachable) fails the whole poll, so that stale gauges are kept rather than zeroed.
    """
    streams: dict[str, int] = {}
    for spec in topology.streams:
        try:
            info = await js.stream_info(spec.name)
        except NotFoundError:
            continue
        streams[spec.name] = int(info.state.messages)
    consumers: list[ConsumerLag] = []
    for c in topology.consumers:
        try:
            ci = await js.consumer_info(c.stream, c.durable)
        except NotFoundError:
            continue
        consumers.append(
            ConsumerLag(
                stream=c.stream,
                consumer=c.durable,
                pending=int(ci.num_pending or 0),
                ack_pending=int(ci.num_ack_pending or 0),
                redelivered=int(ci.num_redelivered or 0),
            )
        )
    dlq = topology.dlq_stream.name
    return Backlog(tuple(consumers), streams, dlq, streams.get(dlq, 0))


def export_backlog(backlog: Backlog) -> None:
    """Set the Prometheus gauges from one poll."""
    for c in backlog.consumers:
        metrics.CONSUMER_PENDING.labels(c.stream, c.consumer).set(c.pending)
        metrics.CONSUMER_ACK_PENDING.labels(c.stream, c.consumer).set(c.ack_pending)
        metrics.CONSUMER_REDELIVERED.labels(c.stream, c.consumer).set(c.redelivered)
    for stream, messages in backlog.streams.items():
        metrics.STREAM_MESSAGES.labels(stream).set(messages)
    metrics.DLQ_DEPTH.labels(backlog.dlq_stream).set(backlog.dlq_depth)


async def poll_backlog(
    js: JetStreamContext,
    topology: Topology,
    stop: asyncio.Event,
    *,
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
) -> None:
    """Refresh the backlog gauges every ``interval_seconds`` until ``stop`` is set.

    A failed poll (server restarting, disconnected) is counted and retried on the next tick;
    the gauges keep their last value meanwhile.
    """
    while not stop.is_set():
        try:
            export_backlog(await read_backlog(js, topology))
        except Exception as exc:
            metrics.LAG_POLL_ERRORS.inc()
            log.debug("backlog poll failed: %r", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)


@contextlib.asynccontextmanager
async def backlog_gauges(
    js: JetStreamContext, topology: Topology, *, interval_seconds: float = DEFAULT_INTERVAL_SECONDS
) -> AsyncIterator[None]:
    """Poll the backlog in the background for the duration of the ``async with`` block.

    For an app lifespan (ingestion): ``async with backlog_gauges(bus.js, bus.topology,
    interval_seconds=settings.backlog_poll_seconds): yield``.
    """
    stop = asyncio.Event()
    task = asyncio.create_task(poll_backlog(js, topology, stop, interval_seconds=interval_seconds))
    try:
        yield
    finally:
        stop.set()
        await task
