"""Large payloads stored in the JetStream Object Store, fetched before extraction."""

from __future__ import annotations

from radar_common.bus.buckets import PAYLOAD_REF_KEY, FetchObject
from radar_common.contracts import RawEvent


async def resolve_objects(event: RawEvent, fetch: FetchObject | None) -> RawEvent:
    """A copy of ``event`` with every object reference replaced by its content.

    Ingestion offloads what does not fit in a message: ``body_object_ref`` holds ``raw_body``,
    ``metadata["payload_object_ref"]`` holds ``payload_json``, ``Attachment.object_ref`` an
    attachment. Without a fetcher the event is returned unchanged. A missing object raises, so
    the runtime retries it (and dead-letters it after the last delivery).
    """
    payload_ref = event.metadata.get(PAYLOAD_REF_KEY, "")
    pending = (
        any(a.object_ref and not a.content for a in event.attachments)
        or (event.body_object_ref and not event.raw_body)
        or (payload_ref and not event.payload_json)
    )
    if fetch is None or not pending:
        return event
    resolved = RawEvent()
    resolved.CopyFrom(event)
    if event.body_object_ref and not event.raw_body:
        resolved.raw_body = await fetch(event.body_object_ref)
    if payload_ref and not event.payload_json:
        resolved.payload_json = (await fetch(payload_ref)).decode("utf-8", errors="replace")
    for attachment in resolved.attachments:
        if attachment.object_ref and not attachment.content:
            attachment.content = await fetch(attachment.object_ref)
    return resolved
