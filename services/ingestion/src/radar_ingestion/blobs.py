"""Large bodies and attachments travel through the JetStream Object Store, by name.

A JetStream message holds at most ``max_payload`` (1 MB by default), while an e-mail may carry
30 MB of PDFs. Before a raw event is published, its largest pieces are moved to the object
store until the message fits in ``inline_max`` bytes; the message then names them:

- ``Attachment.object_ref`` for an attachment's content,
- ``RawEvent.body_object_ref`` for ``raw_body`` (a MIME message),
- ``RawEvent.metadata["payload_object_ref"]`` for ``payload_json``.

Consumers read an object with ``radar_common.bus.buckets.object_fetcher(bus)``.

Parts of a form too large to keep in memory (:mod:`radar_ingestion.api.forms`) are *staged*:
the event names them ``staged:sha256:<digest>`` (so the event's fingerprint still depends on
their content) and :func:`offload` streams each one from its temporary file to the object
store, in chunks, under the event's own names, whatever the event's size. The files of one
request are registered with :func:`stage` (request-local: a context variable).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO

from nats.js.object_store import ObjectStore

from radar_common.bus.buckets import PAYLOAD_REF_KEY
from radar_common.contracts import RawEvent

STAGED_PREFIX = "staged:sha256:"


@dataclass(frozen=True)
class _Staged:
    file: IO[bytes]
    size: int


_staged: ContextVar[dict[str, _Staged] | None] = ContextVar("radar_staged_blobs", default=None)


def stage(file: IO[bytes], size: int, sha256: str) -> str:
    """Register a temporary file for this request's event; returns the name to put in it."""
    staged = _staged.get()
    if staged is None:
        staged = {}
        _staged.set(staged)
    ref = STAGED_PREFIX + sha256
    staged[ref] = _Staged(file, size)
    return ref


def staged_bytes(event: RawEvent) -> int:
    """How many bytes of ``event`` are staged (still to upload)."""
    staged = _staged.get() or {}
    refs = [att.object_ref for att in event.attachments] + [event.body_object_ref]
    return sum(staged[ref].size for ref in refs if ref in staged)


async def _upload_staged(ref: str, name: str, store: ObjectStore) -> None:
    staged = (_staged.get() or {}).get(ref)
    if staged is None:
        raise LookupError(f"{ref} was not staged in this request")
    staged.file.seek(0)
    # A binary file: nats-py reads it in chunks (readinto), never whole.
    await store.put(name, staged.file)  # type: ignore[arg-type]


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
    """Upload the staged parts of ``event``, then move its largest pieces to ``store`` until
    it fits in ``inline_max`` bytes.

    Object names derive from the event id, so a retried acceptance overwrites the same objects.
    Returns the number of bytes moved (staged attachments included).
    """
    moved = 0
    for i, att in enumerate(event.attachments):
        if att.object_ref.startswith(STAGED_PREFIX):
            name = f"{event.event_id}/attachment-{i}"
            await _upload_staged(att.object_ref, name, store)
            att.object_ref = name
            moved += att.size
    if event.body_object_ref.startswith(STAGED_PREFIX):
        name = f"{event.event_id}/body"
        await _upload_staged(event.body_object_ref, name, store)
        event.body_object_ref = name
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
