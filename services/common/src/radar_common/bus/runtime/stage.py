"""A worker's role: what it consumes, how it handles it, where its outputs go."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf.message import Message

from radar_common.bus.runtime.context import MessageContext
from radar_common.bus.topology import ConsumerSpec

In = TypeVar("In", bound=Message)
Out = TypeVar("Out", bound=Message)

Handler = Callable[[In, MessageContext], Awaitable[Sequence[Out]]]


@dataclass(frozen=True)
class Stage(Generic[In, Out]):
    """One worker's role; ``output_id`` names each output (its ``Nats-Msg-Id``, deduplicated)."""

    name: str
    step: str
    consumer: ConsumerSpec
    decode: Callable[[bytes], In]
    handle: Handler[In, Out]
    output_subject: str | None = None
    output_id: Callable[[Out], str] | None = None
