"""Decoders from a message's bytes to its protobuf contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from google.protobuf.message import Message

In = TypeVar("In", bound=Message)


def parse_as(cls: type[In]) -> Callable[[bytes], In]:
    """A decoder for a protobuf message type (raises on bytes that are not one)."""

    def decode(data: bytes) -> In:
        obj = cls()
        obj.ParseFromString(data)
        return obj

    return decode
