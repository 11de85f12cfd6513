"""Dead letters: messages a stage gave up on, kept in ``RADAR_DLQ`` with the reason, and replayed.

- :func:`send_dead_letter` writes one: the worker runtime for a ``PermanentError``, an
  undecodable payload or the last allowed delivery; the notifier for a notification that
  cannot be delivered. The letter (a ``DeadLetter`` message on ``radar.dlq.<stage>``) carries
  the original subject, payload and headers, the reason and the number of deliveries.
- :class:`DeadLetters` reads them (``radar dlq list|show``, the console's operations page) and
  replays one (``radar dlq replay``, the console): the original payload goes back to its
  original subject with its original headers — so the task id, trace id and ``traceparent``
  are kept and the replayed work joins the same trace — under a new ``Nats-Msg-Id`` (the old one
  would be dropped as a duplicate); the task goes from ``FAILED`` back to ``RUNNING``, then the
  dead letter is deleted.

A dead letter is identified by its sequence number in the dead-letter stream.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp
from nats.js.errors import NotFoundError

from radar_common.bus.connection import MSG_ID_HEADER, TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.runtime.delivery import Delivery
from radar_common.bus.runtime.hint import HINT_HEADERS
from radar_common.bus.topology import Topology
from radar_common.contracts import Assessment, DeadLetter, NormalizedNotice, RawEvent
from radar_common.tasks import TaskNotFound, TaskStore

log = logging.getLogger(__name__)


async def send_dead_letter(
    bus: Bus,
    delivery: Delivery,
    *,
    stage: str,
    reason: str,
    deliveries: int,
    task_id: str,
    trace_id: str,
    msg_id: str,
    extra_headers: Mapping[str, str] | None = None,
) -> None:
    """Publish ``delivery`` to ``radar.dlq.<stage>`` with the reason (durably, deduplicated by id).

    The original payload, subject and headers travel inside the letter so that a replay can
    send it back exactly.

    Args:
        bus: the connection to publish with.
        delivery: the message given up on, as JetStream delivered it.
        stage: the stage that gave up (``normalizer``, ``inference``, ``notifier``).
        reason: why, as people will read it on the task and in ``radar dlq show``.
        deliveries: how many times the message was delivered.
        task_id: the task the message belongs to.
        trace_id: the trace the message belongs to.
        msg_id: the letter's ``Nats-Msg-Id``: the same id twice publishes one letter.
        extra_headers: added to the original headers (e.g. the notifier names the channel).

    Raises:
        PublishError: JetStream did not acknowledge the dead letter.
    """
    failed_at = Timestamp()
    failed_at.GetCurrentTime()
    # The task record passed along is a hint for the next write, stale by any replay: left out.
    headers = {k: v for k, v in delivery.headers.items() if k not in HINT_HEADERS}
    headers.update(extra_headers or {})
    letter = DeadLetter(
        stage=stage,
        reason=reason,
        subject=delivery.subject,
        data=delivery.data,
        headers=headers,
        stream_sequence=delivery.stream_sequence,
        deliveries=deliveries,
        task_id=task_id,
        trace_id=trace_id,
        failed_at=failed_at,
    )
    await bus.publish(
        bus.topology.dead_letter(stage),
        letter.SerializeToString(),
        msg_id=msg_id,
        headers={TASK_ID_HEADER: task_id, TRACE_ID_HEADER: trace_id},
    )


class DeadLetterNotFound(LookupError):
    """No dead letter with that id (never existed, replayed or expired)."""


@dataclass(frozen=True)
class StoredDeadLetter:
    """A dead letter and where it sits in the dead-letter stream."""

    id: int
    letter: DeadLetter
    stored_at: datetime | None

    @property
    def failed_at(self) -> datetime | None:
        """When the stage gave up (letters written before that field: when it was stored)."""
        if not self.letter.HasField("failed_at"):
            return self.stored_at
        return self.letter.failed_at.ToDatetime(tzinfo=UTC)


def decoded_payload(topology: Topology, subject: str, data: bytes) -> Any:
    """The dead payload as JSON when its subject names a known contract, else its size."""
    kinds: dict[str, type[Message]] = {
        topology.raw_events: RawEvent,
        topology.notices: NormalizedNotice,
        topology.assessments: Assessment,
    }
    kind = kinds.get(subject)
    if kind is not None:
        try:
            message = kind()
            message.ParseFromString(data)
            return MessageToDict(message)
        except DecodeError:
            pass
    return f"<{len(data)} bytes, not decodable as a known contract>"


def describe(topology: Topology, stored: StoredDeadLetter) -> dict[str, Any]:
    """A dead letter as plain data: what `radar dlq show` prints and the console shows."""
    letter = stored.letter
    failed_at = stored.failed_at
    return {
        "id": stored.id,
        "stage": letter.stage,
        "reason": letter.reason,
        "task_id": letter.task_id,
        "trace_id": letter.trace_id,
        "deliveries": letter.deliveries,
        "failed_at": failed_at.isoformat() if failed_at else None,
        "subject": letter.subject,
        "original_stream_sequence": letter.stream_sequence,
        "headers": dict(letter.headers),
        "payload": decoded_payload(topology, letter.subject, letter.data),
    }


@dataclass(frozen=True)
class Replayed:
    """What a replay did."""

    id: int
    subject: str
    task_id: str
    trace_id: str
    task_reopened: bool


class DeadLetters:
    """The dead-letter stream of one deployment.

    Args:
        bus: a connection to the deployment's NATS.
        tasks: the task store; when given, a replay reopens the letter's task.
    """

    def __init__(self, bus: Bus, tasks: TaskStore | None = None) -> None:
        self.bus = bus
        self.tasks = tasks
        self.stream = bus.topology.dlq_stream.name

    async def get(self, letter_id: int) -> StoredDeadLetter:
        """One dead letter by id.

        Raises:
            DeadLetterNotFound: no such letter (never existed, replayed or expired).
        """
        try:
            raw = await self.bus.js.get_msg(self.stream, letter_id)
        except NotFoundError as exc:
            raise DeadLetterNotFound(letter_id) from exc
        letter = DeadLetter()
        letter.ParseFromString(raw.data or b"")
        stored_at = raw.time if isinstance(raw.time, datetime) else None
        return StoredDeadLetter(id=int(raw.seq or letter_id), letter=letter, stored_at=stored_at)

    async def ids(self) -> list[int]:
        """Ids of every dead letter still stored, oldest first."""
        state = (await self.bus.js.stream_info(self.stream)).state
        if not state.messages:
            return []
        deleted = set(state.deleted or [])
        return [s for s in range(state.first_seq, state.last_seq + 1) if s not in deleted]

    async def list(self, *, limit: int | None = None) -> AsyncIterator[StoredDeadLetter]:
        """Yield stored dead letters, oldest first (at most ``limit``)."""
        count = 0
        for letter_id in await self.ids():
            if limit is not None and count >= limit:
                return
            try:
                yield await self.get(letter_id)
            except DeadLetterNotFound:  # deleted or expired meanwhile
                continue
            count += 1

    async def replay(self, letter_id: int) -> Replayed:
        """Send a dead letter back through the pipeline, keeping its task and trace ids.

        Returns:
            What was done: the subject it went to, and whether its task was reopened.

        Raises:
            DeadLetterNotFound: no such letter (already replayed, or expired).
            PublishError: JetStream did not acknowledge the replayed message.
        """
        stored = await self.get(letter_id)
        letter = stored.letter
        reopened = False
        if self.tasks is not None and letter.task_id:
            try:
                task = await self.tasks.reopen(
                    letter.task_id, f"dead letter {letter_id} replayed after: {letter.reason}"
                )
                reopened = task.state.value == "RUNNING"
            except TaskNotFound:
                log.warning("task %s of dead letter %d is gone", letter.task_id, letter_id)
        headers = {k: v for k, v in letter.headers.items() if k != MSG_ID_HEADER}
        original = letter.headers.get(MSG_ID_HEADER, "")
        await self.bus.publish(
            letter.subject,
            letter.data,
            msg_id=f"replay:{self.stream}:{letter_id}:{original}",
            headers=headers,
        )
        await self.bus.js.delete_msg(self.stream, letter_id)
        log.info("replayed dead letter %d to %s", letter_id, letter.subject)
        return Replayed(letter_id, letter.subject, letter.task_id, letter.trace_id, reopened)
