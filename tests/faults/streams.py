"""Reading and writing JetStream directly, as an operator with the nats CLI would."""

from __future__ import annotations

import nats
from nats.js.errors import NotFoundError

from radar_common.bus.topology import Topology
from radar_common.contracts import DeadLetter


async def publish(nats_url: str, subject: str, data: bytes, msg_id: str) -> None:
    """Publish one message to a stream and wait for JetStream's ack."""
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(subject, data, headers={"Nats-Msg-Id": msg_id})
    finally:
        await nc.close()


async def dead_letters(nats_url: str, topology: Topology | None = None) -> list[DeadLetter]:
    """Every message in the dead-letter stream, oldest first."""
    topology = topology or Topology()
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        try:
            info = await js.stream_info(topology.dlq_stream.name)
        except NotFoundError:
            return []
        letters = []
        for seq in range(int(info.state.first_seq), int(info.state.last_seq) + 1):
            try:
                raw = await js.get_msg(topology.dlq_stream.name, seq)
            except NotFoundError:
                continue
            letter = DeadLetter()
            letter.ParseFromString(raw.data or b"")
            letters.append(letter)
        return letters
    finally:
        await nc.close()


async def consumer_lag(nats_url: str, stream: str, durable: str) -> tuple[int, int]:
    """(num_pending, num_ack_pending) of a durable consumer."""
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().consumer_info(stream, durable)
        return int(info.num_pending or 0), int(info.num_ack_pending or 0)
    finally:
        await nc.close()
