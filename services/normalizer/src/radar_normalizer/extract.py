"""Turning a raw event into notices: the entry point the handler calls.

This first version understands the canonical JSON shape only; the full extractor (emails, HTML,
PDF, smartPCN, data-platform JSON) replaces it behind the same function.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from radar_common.bus.worker import PermanentError
from radar_common.contracts import Evidence, NormalizedNotice, RawEvent

_PART_KEYS = ("mpn", "part_number", "AffectedProductName", "partNumber")


class NoPartsFound(PermanentError):
    """The event names no part: nothing can be assessed."""


def _first(doc: dict[str, Any], *keys: str) -> tuple[str, str]:
    for key in keys:
        value = doc.get(key)
        if isinstance(value, str | int | float) and str(value).strip():
            return key, str(value).strip()
    return "", ""


def extract_notices(event: RawEvent) -> list[NormalizedNotice]:
    try:
        doc = json.loads(event.payload_json or "{}")
    except json.JSONDecodeError as exc:
        raise PermanentError(f"payload is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise PermanentError("payload is not a JSON object")
    key, mpn = _first(doc, *_PART_KEYS)
    if not mpn:
        raise NoPartsFound("no part number found in the event")
    _, manufacturer = _first(doc, "manufacturer", "manufacturer_code")
    _, status = _first(doc, "lifecycle_status")
    notice_id = hashlib.sha256(f"{event.event_id}|{mpn}".encode()).hexdigest()[:32]
    return [
        NormalizedNotice(
            notice_id=notice_id,
            task_id=event.task_id,
            trace_id=event.trace_id,
            event_id=event.event_id,
            source=event.source,
            notice_kind="lifecycle_change",
            manufacturer=manufacturer,
            manufacturer_raw=manufacturer,
            mpn=mpn,
            base_mpn=mpn,
            lifecycle_status=(status or "unknown").lower(),
            evidence=[Evidence(field="mpn", snippet=mpn, location=f"json:$.{key}")],
            confidence=0.5,
            extractor="rules",
            part_index=0,
            part_count=1,
            received_at=event.received_at,
        )
    ]
