"""Accepting an event: idempotency, the task record, the durable publish — in that order.

An event is accepted only once JetStream acknowledged its publish. The idempotency marker is
claimed first (``create`` fails if the key exists; the task record is created in the same round
trip) and flipped to ``published`` after the ack, so a sender that retries after a 503
publishes the same event id again (JetStream drops the duplicate) instead of being told
"already done" for an event that was never stored.

The marker also holds a fingerprint of the event's content: the same key arriving with other
content is refused (:class:`IdempotencyConflict`) rather than silently answered with the first
task — for Mailgun this is what makes each signed token usable once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import orjson
from google.protobuf.timestamp_pb2 import Timestamp
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from radar_common import metrics
from radar_common.bus.connection import (
    ACCEPTED_AT_HEADER,
    TASK_ID_HEADER,
    TRACE_ID_HEADER,
    Bus,
    PublishError,
)
from radar_common.bus.runtime.hint import hint_headers
from radar_common.contracts import RawEvent
from radar_common.tasks import Task, TaskStore
from radar_ingestion.blobs import offload, staged_bytes

log = logging.getLogger(__name__)


# Uploading a 30 MB attachment takes longer than publishing a message: the deadline grows.
UPLOAD_BYTES_PER_SECOND = 5_000_000


@dataclass(frozen=True)
class Accepted:
    task_id: str
    trace_id: str
    replay: bool


class IdempotencyConflict(ValueError):
    """The idempotency key was already used for an event with other content."""


def idempotency_digest(key: str) -> str:
    """KV-safe key for any caller-supplied idempotency key."""
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(event: RawEvent) -> str:
    """A digest of what was delivered (ids and timestamps not yet filled in)."""
    return hashlib.sha256(event.SerializeToString(deterministic=True)).hexdigest()


class Acceptor:
    """Turns a request into a durable raw event and a task."""

    def __init__(
        self,
        bus: Bus,
        tasks: TaskStore,
        idempotency: KeyValue,
        blobs: ObjectStore,
        *,
        publish_timeout: float,
        accept_timeout: float,
        inline_max: int,
    ) -> None:
        self.bus = bus
        self.tasks = tasks
        self.idempotency = idempotency
        self.blobs = blobs
        self.publish_timeout = publish_timeout
        self.accept_timeout = accept_timeout
        self.inline_max = inline_max
        self._pending: set[asyncio.Task[Any]] = set()

    async def accept(self, event: RawEvent, idempotency_key: str | None, trace_id: str) -> Accepted:
        """Store ``event`` durably (filling its ids) or recognise a replay.

        Without an ``idempotency_key`` the key is a digest of the event's content.

        Raises:
            PublishError: NATS did not acknowledge in time; nothing was accepted.
            IdempotencyConflict: the key was used before for other content.
        """
        content = fingerprint(event)
        key = idempotency_key or f"sha256:{content}"
        size = event.ByteSize() + staged_bytes(event)  # staged: still on disk
        deadline = self.accept_timeout + size / UPLOAD_BYTES_PER_SECOND
        try:
            async with asyncio.timeout(deadline):
                return await self._accept(event, key, content, trace_id)
        except TimeoutError as exc:
            raise PublishError(f"NATS did not answer within {deadline:.1f} s") from exc

    async def _accept(
        self, event: RawEvent, idempotency_key: str, content: str, trace_id: str
    ) -> Accepted:
        digest = idempotency_digest(idempotency_key)
        task_id = uuid.uuid4().hex
        marker: dict[str, Any] = {
            "task_id": task_id,
            "trace_id": trace_id,
            "fingerprint": content,
            "published": False,
        }
        task = Task.new(task_id, trace_id, source=event.source, format=event.format)
        # The claim and the task record travel together (one round trip, not two); when the
        # claim loses, the task just created is an orphan nobody was told about: dropped.
        claim, created = await asyncio.gather(
            self.idempotency.create(digest, orjson.dumps(marker)),
            self.tasks.create(task),
            return_exceptions=True,
        )
        if isinstance(claim, BaseException):
            if not isinstance(created, BaseException):
                self._in_background(self.tasks.kv.purge(task_id))
            if not isinstance(claim, KeyWrongLastSequenceError):
                raise PublishError(f"idempotency store unavailable: {claim!r}")
            try:
                entry = await self.idempotency.get(digest)
            except Exception as exc:  # NATS down or slow
                raise PublishError(f"idempotency store unavailable: {exc!r}") from exc
            assert entry.value is not None
            marker = orjson.loads(entry.value)
            revision = int(entry.revision or 0)
            if marker.get("fingerprint", content) != content:
                raise IdempotencyConflict(idempotency_key)
            if marker.get("published"):
                return Accepted(str(marker["task_id"]), str(marker["trace_id"]), replay=True)
            # An earlier attempt claimed the key but did not finish: finish it, same ids.
            task_id, trace_id = str(marker["task_id"]), str(marker["trace_id"])
            try:
                with contextlib.suppress(KeyWrongLastSequenceError):
                    await self.tasks.create(
                        Task.new(task_id, trace_id, source=event.source, format=event.format)
                    )
            except Exception as exc:
                raise PublishError(f"task store unavailable: {exc!r}") from exc
        else:
            revision = int(claim)
            if isinstance(created, BaseException):
                raise PublishError(f"task store unavailable: {created!r}")

        event.task_id = task_id
        event.trace_id = trace_id
        event.event_id = task_id
        event.idempotency_key = idempotency_key
        if not event.HasField("received_at"):
            ts = Timestamp()
            ts.GetCurrentTime()
            event.received_at.CopyFrom(ts)
        try:
            await offload(event, self.blobs, inline_max=self.inline_max)
            receipt = await self.bus.publish(
                self.bus.topology.raw_events,
                event.SerializeToString(),
                msg_id=event.event_id,
                headers={
                    TASK_ID_HEADER: task_id,
                    TRACE_ID_HEADER: trace_id,
                    ACCEPTED_AT_HEADER: repr(time.time()),
                    # The record just created: the normalizer writes from it without a read.
                    **hint_headers(self.tasks, task_id),
                },
                timeout=self.publish_timeout,
            )
        except PublishError:
            raise
        except Exception as exc:
            raise PublishError(f"could not store the event: {exc!r}") from exc
        # The event is durable now. Flipping the marker is off the answer's path: until it
        # lands, a repeat re-publishes the same event id, which JetStream drops as a duplicate.
        marker["published"] = True
        self._in_background(self.idempotency.update(digest, orjson.dumps(marker), last=revision))
        # A duplicate ack: an earlier attempt published it and its marker flip is in flight.
        if not receipt.duplicate:
            metrics.EVENTS_ACCEPTED.labels(event.format, "false").inc()
        return Accepted(task_id, trace_id, replay=receipt.duplicate)

    def _in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        error = None if task.cancelled() else task.exception()
        # KeyWrongLastSequenceError: a concurrent identical request flipped it first; harmless.
        if error is not None and not isinstance(error, KeyWrongLastSequenceError):
            log.warning("idempotency bookkeeping failed: %r", error)

    async def settle(self) -> None:
        """Wait for the bookkeeping still in flight (call before closing the connection)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
