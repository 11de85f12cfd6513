"""Large bodies and attachments travel through the JetStream Object Store, by name.

A JetStream message holds at most ``max_payload`` (1 MB by default), while an e-mail may carry
30 MB of PDFs. Before a raw event is published, its largest pieces are moved to the object
store until the message fits in ``inline_max`` bytes; the message then names them:

- ``Attachment.object_ref`` for an attachment's content,
- ``RawEvent.body_object_ref`` for ``raw_body`` (a MIME message),
- ``RawEvent.metadata["payload_object_ref"]`` for ``payload_json``.

Consumers read an object with ``radar_common.bus.buckets.object_fetcher(bus)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.object_store import ObjectStore

from radar_common.bus.buckets import PAYLOAD_REF_KEY
from radar_common.contracts import RawEvent


@dataclass
class _Piece:
    size: int
    name: str
    kind: str  # "body" | "payload" | "attachment"
    index: int = -1


def _pieces(event: RawEvent) -> list[_Piece]:
    pieces = [
        _Piece(len(att.content), f"{event.event_id}/attachment-{i}", "attachment", i)
        for i, att in enumerate(event.attachments)
        if att.content
    ]
    if event.raw_body:
        pieces.append(_Piece(len(event.raw_body), f"{event.event_id}/body", "body"))
    if event.payload_json:
        pieces.append(_Piece(len(event.payload_json), f"{event.event_id}/payload", "payload"))
    return sorted(pieces, key=lambda p: p.size, reverse=True)


async def offload(event: RawEvent, store: ObjectStore, *, inline_max: int) -> int:
    """Move the largest pieces of ``event`` to ``store`` until it fits in ``inline_max`` bytes.

    Object names derive from the event id, so a retried acceptance overwrites the same objects.
    Returns the number of bytes moved.
    """
    moved = 0
    if event.ByteSize() <= inline_max:
        return moved
    for piece in _pieces(event):
        if event.ByteSize() <= inline_max:
            break
        if piece.kind == "attachment":
            att = event.attachments[piece.index]
            await store.put(piece.name, att.content)
            att.object_ref = piece.name
            att.content = b""
        elif piece.kind == "body":
            await store.put(piece.name, event.raw_body)
            event.body_object_ref = piece.name
            event.raw_body = b""
        else:
            await store.put(piece.name, event.payload_json.encode())
            event.metadata[PAYLOAD_REF_KEY] = piece.name
            event.payload_json = ""
        moved += piece.size
    return moved
