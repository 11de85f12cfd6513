"""Connecting to NATS and declaring the topology (idempotent, safe to run from every replica)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js import api as js_api
from nats.js.errors import BadRequestError, NotFoundError

from radar_common.bus.credentials import NatsCredentials
from radar_common.bus.topology import ConsumerSpec, StreamSpec, Topology
from radar_common.telemetry import inject_headers

log = logging.getLogger(__name__)

TASK_ID_HEADER = "Radar-Task-Id"
TRACE_ID_HEADER = "Radar-Trace-Id"
ACCEPTED_AT_HEADER = "Radar-Accepted-At"
MSG_ID_HEADER = "Nats-Msg-Id"


class PublishError(RuntimeError):
    """JetStream did not acknowledge a publish: the data is not durable."""


@dataclass(frozen=True)
class PublishReceipt:
    stream: str
    sequence: int
    duplicate: bool


@dataclass
class Bus:
    """A NATS connection with its JetStream context and the deployment's topology."""

    nc: Client
    js: JetStreamContext
    topology: Topology
    _closed: bool = field(default=False, init=False)

    @classmethod
    async def connect(
        cls,
        url: str,
        topology: Topology,
        *,
        name: str,
        connect_timeout: float = 5.0,
        credentials: NatsCredentials | None = None,
    ) -> Bus:
        """Connect, authenticating and verifying TLS as ``credentials`` say (see there).

        Raises when the server cannot be reached or refuses us (after a second try): callers
        retry as they see fit (``worker_host.connect_bus``). Once connected, the client
        reconnects for ever.
        """

        async def on_error(exc: Exception) -> None:
            log.warning("nats error: %s", exc)

        async def on_disconnect() -> None:
            log.warning("nats disconnected")

        async def on_reconnect() -> None:
            log.info("nats reconnected")

        # A TLS verification failure can make nats-py retry for ever: bounded here too.
        async with asyncio.timeout(2 * connect_timeout + 1):
            nc = await nats.connect(
                servers=[url],
                name=name,
                connect_timeout=connect_timeout,
                # nats-py applies this to the first connection too, where -1 would retry a refused
                # password for ever: bounded here, unbounded once connected (below).
                max_reconnect_attempts=1,
                reconnect_time_wait=0.5,
                error_cb=on_error,
                disconnected_cb=on_disconnect,
                reconnected_cb=on_reconnect,
                **(credentials or NatsCredentials()).connect_options(),
            )
        nc.options["max_reconnect_attempts"] = -1
        return cls(nc=nc, js=nc.jetstream(), topology=topology)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self.nc.drain()
        except Exception:  # already closed, or the server is gone
            log.debug("nats drain failed", exc_info=True)
            with contextlib.suppress(Exception):
                await self.nc.close()

    @property
    def connected(self) -> bool:
        return bool(self.nc.is_connected)

    # Topology -------------------------------------------------------------------------------
    async def ensure_stream(self, spec: StreamSpec) -> None:
        config = js_api.StreamConfig(
            name=spec.name,
            subjects=list(spec.subjects),
            description=spec.description,
            retention=js_api.RetentionPolicy.LIMITS,
            storage=js_api.StorageType.FILE,
            max_age=spec.max_age_seconds,
            duplicate_window=spec.duplicate_window_seconds,
        )
        try:
            await self.js.stream_info(spec.name)
        except NotFoundError:
            try:
                await self.js.add_stream(config)
                log.info("created stream %s", spec.name)
                return
            except BadRequestError:  # another replica created it first
                pass
        await self.js.update_stream(config)

    async def ensure_consumer(
        self,
        spec: ConsumerSpec,
        *,
        max_deliver: int,
        ack_wait_seconds: float,
        max_ack_pending: int,
    ) -> None:
        config = js_api.ConsumerConfig(
            durable_name=spec.durable,
            name=spec.durable,
            filter_subject=spec.filter_subject,
            ack_policy=js_api.AckPolicy.EXPLICIT,
            deliver_policy=js_api.DeliverPolicy.ALL,
            max_deliver=max_deliver,
            ack_wait=ack_wait_seconds,
            max_ack_pending=max_ack_pending,
        )
        await self.js.add_consumer(spec.stream, config)

    async def ensure_topology(
        self,
        *,
        consumers: Iterable[ConsumerSpec] | None = None,
        max_deliver: int = 5,
        ack_wait_seconds: float = 30.0,
        max_ack_pending: int = 1000,
    ) -> None:
        """Create (or update to the declared config) every stream and the given consumers.

        ``consumers=None`` means all of them (the bootstrap job, tests). A worker passes none
        here and declares only its own consumer with its own settings, so the last replica to
        start never rewrites another stage's consumer.
        """
        for stream in self.topology.streams:
            await self.ensure_stream(stream)
        for consumer in self.topology.consumers if consumers is None else consumers:
            await self.ensure_consumer(
                consumer,
                max_deliver=max_deliver,
                ack_wait_seconds=ack_wait_seconds,
                max_ack_pending=max_ack_pending,
            )

    # Publishing -----------------------------------------------------------------------------
    async def publish(
        self,
        subject: str,
        payload: bytes,
        *,
        msg_id: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 2.0,  # noqa: ASYNC109 - the JetStream ack timeout
    ) -> PublishReceipt:
        """Publish and wait for JetStream's acknowledgement (the message is then durable).

        ``msg_id`` becomes ``Nats-Msg-Id``: a repeat within the stream's duplicate window is
        acknowledged as a duplicate and stored once. The current trace context travels in the
        ``traceparent`` header.

        Raises:
            PublishError: no acknowledgement (NATS unreachable, slow or refusing).
        """
        hdrs = dict(headers or {})
        hdrs[MSG_ID_HEADER] = msg_id
        inject_headers(hdrs)
        try:
            ack = await self.js.publish(subject, payload, timeout=timeout, headers=hdrs)
        except (TimeoutError, nats.errors.Error) as exc:
            raise PublishError(f"publish to {subject} not acknowledged: {exc!r}") from exc
        return PublishReceipt(stream=ack.stream, sequence=ack.seq, duplicate=bool(ack.duplicate))
