"""Streams, subjects and durable consumers: the one place that names them.

The Helm chart's KEDA ScaledObjects and docs/architecture.md use exactly these names; a test
renders the chart and checks that they agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamSpec:
    """A JetStream stream as Radar declares it (file storage, limits retention).

    Attributes:
        name: the stream's name, e.g. ``RADAR_EVENTS``.
        subjects: the subjects it stores.
        description: what it holds, as shown by ``nats stream info``.
        max_age_seconds: how long a message is kept.
        duplicate_window_seconds: how long a ``Nats-Msg-Id`` is remembered for deduplication.
    """

    name: str
    subjects: tuple[str, ...]
    description: str
    max_age_seconds: float = 14 * 24 * 3600
    duplicate_window_seconds: float = 120.0


@dataclass(frozen=True)
class ConsumerSpec:
    """A worker's durable pull consumer: the name KEDA reads the lag of.

    Attributes:
        stream: the stream it reads.
        durable: its durable name (the worker's stage name).
        filter_subject: the subject it takes from the stream.
    """

    stream: str
    durable: str
    filter_subject: str


@dataclass(frozen=True)
class Topology:
    """All JetStream names of one deployment, derived from two prefixes.

    Attributes:
        stream_prefix: prefix of stream, bucket and object store names (``RADAR_STREAM_PREFIX``).
        subject_prefix: first token of every subject (``RADAR_SUBJECT_PREFIX``).
    """

    stream_prefix: str = "RADAR"
    subject_prefix: str = "radar"

    # Subjects -------------------------------------------------------------------------------
    @property
    def raw_events(self) -> str:
        """Raw events, as ingestion accepted them (``RawEvent``)."""
        return f"{self.subject_prefix}.events.raw"

    @property
    def notices(self) -> str:
        """Normalized notices, one per affected part (``NormalizedNotice``)."""
        return f"{self.subject_prefix}.notices.normalized"

    @property
    def assessments(self) -> str:
        """Costed assessments (``Assessment``)."""
        return f"{self.subject_prefix}.assessments.ready"

    @property
    def notifications(self) -> str:
        """The outcome of every notification (``NotificationResult``)."""
        return f"{self.subject_prefix}.notifications.result"

    @property
    def notice_work(self) -> str:
        """Re-assessments, reminders and closures of notice records (``NoticeWork``)."""
        return f"{self.subject_prefix}.work.notices"

    def dead_letter(self, stage: str) -> str:
        """Where ``stage`` puts what it gives up on (``DeadLetter``)."""
        return f"{self.subject_prefix}.dlq.{stage}"

    # Streams --------------------------------------------------------------------------------
    @property
    def events_stream(self) -> StreamSpec:
        """The stream of raw events (the normalizer's input)."""
        return StreamSpec(
            f"{self.stream_prefix}_EVENTS", (self.raw_events,), "Raw events accepted by ingestion"
        )

    @property
    def notices_stream(self) -> StreamSpec:
        """The stream of notices (inference's input)."""
        return StreamSpec(
            f"{self.stream_prefix}_NOTICES", (self.notices,), "One normalized notice per part"
        )

    @property
    def assessments_stream(self) -> StreamSpec:
        """The stream of assessments (the notifier's input)."""
        return StreamSpec(
            f"{self.stream_prefix}_ASSESSMENTS", (self.assessments,), "Costed assessments"
        )

    @property
    def notifications_stream(self) -> StreamSpec:
        """The stream of notification outcomes."""
        return StreamSpec(
            f"{self.stream_prefix}_NOTIFICATIONS",
            (self.notifications,),
            "Outcome of every notification",
        )

    @property
    def work_stream(self) -> StreamSpec:
        """The stream of work on notice records (inference's second input)."""
        return StreamSpec(
            f"{self.stream_prefix}_WORK",
            (self.notice_work,),
            "Work on notice records: re-assessments, reminders, closures",
        )

    @property
    def dlq_stream(self) -> StreamSpec:
        """The dead-letter stream: every stage's letters, kept 30 days."""
        return StreamSpec(
            f"{self.stream_prefix}_DLQ",
            (f"{self.subject_prefix}.dlq.>",),
            "Dead letters with their reasons",
            max_age_seconds=30 * 24 * 3600,
        )

    @property
    def streams(self) -> tuple[StreamSpec, ...]:
        """Every stream, in pipeline order (what ``Bus.ensure_topology`` declares)."""
        return (
            self.events_stream,
            self.notices_stream,
            self.assessments_stream,
            self.notifications_stream,
            self.work_stream,
            self.dlq_stream,
        )

    # Durable consumers (one per worker) -----------------------------------------------------
    @property
    def normalizer_consumer(self) -> ConsumerSpec:
        """The normalizer's durable consumer on the events stream."""
        return ConsumerSpec(self.events_stream.name, "normalizer", self.raw_events)

    @property
    def inference_consumer(self) -> ConsumerSpec:
        """Inference's durable consumer on the notices stream."""
        return ConsumerSpec(self.notices_stream.name, "inference", self.notices)

    @property
    def notifier_consumer(self) -> ConsumerSpec:
        """The notifier's durable consumer on the assessments stream."""
        return ConsumerSpec(self.assessments_stream.name, "notifier", self.assessments)

    @property
    def notice_work_consumer(self) -> ConsumerSpec:
        """Inference's second durable consumer, on the work stream (re-assessments, reminders,
        closures). It runs in the inference deployment, whose ScaledObject has a trigger on its
        lag beside the notices' one."""
        return ConsumerSpec(self.work_stream.name, "inference-work", self.notice_work)

    @property
    def consumers(self) -> tuple[ConsumerSpec, ...]:
        """Every durable consumer: what bootstrap declares, lag gauges and ``radar status``
        show, and KEDA scales on (:meth:`consumers_of` says which worker runs each)."""
        return (
            self.normalizer_consumer,
            self.inference_consumer,
            self.notice_work_consumer,
            self.notifier_consumer,
        )

    def consumers_of(self, worker: str) -> tuple[ConsumerSpec, ...]:
        """The durable consumers the ``worker`` deployment pulls from, its own stage's first."""
        own = {
            "normalizer": (self.normalizer_consumer,),
            "inference": (self.inference_consumer, self.notice_work_consumer),
            "notifier": (self.notifier_consumer,),
        }
        return own.get(worker, ())

    # Key-value buckets and object store ------------------------------------------------------
    @property
    def tasks_bucket(self) -> str:
        """The key-value bucket of task records."""
        return f"{self.stream_prefix}_tasks"

    @property
    def idempotency_bucket(self) -> str:
        """The key-value bucket of idempotency keys (ingestion)."""
        return f"{self.stream_prefix}_idempotency"

    @property
    def object_store(self) -> str:
        """The object store of bodies and attachments too large for a message."""
        return f"{self.stream_prefix}_blobs"
