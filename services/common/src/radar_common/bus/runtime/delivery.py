"""What JetStream delivered, as plain typed data: handlers never hold the NATS message itself.

Acking, naking, heartbeats and dead-lettering stay with the runtime; a handler reads the
subject, the headers and how many times the message was delivered, and asks the context for
a heartbeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nats.aio.msg import Msg

from radar_common.bus.connection import ACCEPTED_AT_HEADER, TASK_ID_HEADER, TRACE_ID_HEADER


@dataclass(frozen=True)
class Delivery:
    """One delivery of a message from a stream."""

    subject: str
    data: bytes = field(repr=False)
    headers: Mapping[str, str]
    num_delivered: int
    stream: str
    stream_sequence: int

    @classmethod
    def of(cls, msg: Msg) -> Delivery:
        meta = msg.metadata
        headers = {k: v for k, v in (msg.headers or {}).items() if isinstance(v, str)}
        return cls(
            subject=msg.subject,
            data=msg.data,
            headers=MappingProxyType(headers),
            num_delivered=int(meta.num_delivered or 1),
            stream=str(meta.stream or ""),
            stream_sequence=int(meta.sequence.stream or 0),
        )

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def task_id(self) -> str:
        return self.header(TASK_ID_HEADER)

    @property
    def trace_id(self) -> str:
        return self.header(TRACE_ID_HEADER)

    @property
    def accepted_at(self) -> float | None:
        """When ingestion accepted the event (epoch seconds), if it said."""
        value = self.header(ACCEPTED_AT_HEADER)
        try:
            return float(value) if value else None
        except ValueError:
            return None
