"""Accepting an event: idempotency, the task record, the durable publish — in that order.

An event is accepted only once JetStream acknowledged its publish. The idempotency marker is
claimed first (``create`` fails if the key exists) and flipped to ``published`` after the ack,
so a sender that retries after a 503 publishes the same event id again (JetStream drops the
duplicate) instead of being told "already done" for an event that was never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from radar_common import metrics
from radar_common.bus.connection import (
    ACCEPTED_AT_HEADER,
    TASK_ID_HEADER,
    TRACE_ID_HEADER,
    Bus,
    PublishError,
)
from radar_common.contracts import RawEvent
from radar_common.tasks import Task, TaskStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    task_id: str
    trace_id: str
    replay: bool


def idempotency_digest(key: str) -> str:
    """KV-safe key for any caller-supplied idempotency key."""
    return hashlib.sha256(key.encode()).hexdigest()


def body_digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x00")
    return "body:" + h.hexdigest()


class Acceptor:
    """Turns a request into a durable raw event and a task."""

    def __init__(
        self, bus: Bus, tasks: TaskStore, idempotency: KeyValue, *, publish_timeout: float
    ) -> None:
        self.bus = bus
        self.tasks = tasks
        self.idempotency = idempotency
        self.publish_timeout = publish_timeout

    async def accept(self, event: RawEvent, idempotency_key: str, trace_id: str) -> Accepted:
        """Store ``event`` durably (filling its ids) or recognise a replay.

        Raises:
            PublishError: NATS did not acknowledge; nothing was accepted.
        """
        digest = idempotency_digest(idempotency_key)
        marker: dict[str, Any] = {
            "task_id": uuid.uuid4().hex,
            "trace_id": trace_id,
            "published": False,
        }
        try:
            try:
                revision = await self.idempotency.create(digest, json.dumps(marker).encode())
            except KeyWrongLastSequenceError:
                entry = await self.idempotency.get(digest)
                assert entry.value is not None
                marker = json.loads(entry.value)
                revision = int(entry.revision or 0)
                if marker.get("published"):
                    return Accepted(str(marker["task_id"]), str(marker["trace_id"]), replay=True)
        except PublishError:
            raise
        except Exception as exc:  # NATS down or slow
            raise PublishError(f"idempotency store unavailable: {exc!r}") from exc

        task_id, trace_id = str(marker["task_id"]), str(marker["trace_id"])
        event.task_id = task_id
        event.trace_id = trace_id
        event.event_id = task_id
        event.idempotency_key = idempotency_key
        if not event.HasField("received_at"):
            ts = Timestamp()
            ts.GetCurrentTime()
            event.received_at.CopyFrom(ts)
        try:
            # A retry of an attempt that got this far finds its task already there.
            with contextlib.suppress(KeyWrongLastSequenceError):
                await self.tasks.create(
                    Task.new(task_id, trace_id, source=event.source, format=event.format)
                )
            await self.bus.publish(
                self.bus.topology.raw_events,
                event.SerializeToString(),
                msg_id=event.event_id,
                headers={
                    TASK_ID_HEADER: task_id,
                    TRACE_ID_HEADER: trace_id,
                    ACCEPTED_AT_HEADER: repr(time.time()),
                },
                timeout=self.publish_timeout,
            )
            marker["published"] = True
            await self.idempotency.update(digest, json.dumps(marker).encode(), last=revision)
        except PublishError:
            raise
        except KeyWrongLastSequenceError:
            pass  # a concurrent identical request marked it first: the event is stored
        except Exception as exc:
            raise PublishError(f"could not store the event: {exc!r}") from exc
        metrics.EVENTS_ACCEPTED.labels(event.format, "false").inc()
        return Accepted(task_id, trace_id, replay=False)
