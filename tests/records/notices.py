"""Normalized notices as the normalizer publishes them, built by hand for the record tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from radar_common.contracts import Evidence, NormalizedNotice, PartMention


def arrival(
    mpn: str = "LM358DR",
    *,
    source: str = "siliconexpert",
    event: str = "e1",
    received: datetime = datetime(2025, 1, 1, 9, tzinfo=UTC),
    mentions: list[tuple[str, str]] | None = None,
    **fields: Any,
) -> NormalizedNotice:
    """One part of one event (``event`` names the event; the id is per event and part)."""
    at = Timestamp()
    at.FromDatetime(received)
    values: dict[str, Any] = {
        "notice_id": hashlib.sha256(f"{event}|{mpn}".encode()).hexdigest()[:32],
        "event_id": event,
        "task_id": hashlib.sha256(event.encode()).hexdigest()[:32],
        "trace_id": "a" * 32,
        "source": source,
        "mpn": mpn,
        "manufacturer": "Texas Instruments",
        "notice_number": "PDN 25_0001",
        "notice_kind": "discontinuance",
        "lifecycle_status": "eol",
        "issue_date": "2025-01-01",
        "last_time_buy_date": "2026-05-03",
        "last_ship_date": "2026-11-01",
        "confidence": 0.8,
        "part_index": 0,
        "part_count": 1,
        "received_at": at,
    }
    values.update(fields)
    n = NormalizedNotice(**values)
    n.evidence.append(
        Evidence(
            field="last_time_buy_date",
            snippet="Last Time Buy: 2026-05-03",
            location="attachment:PDN.pdf#page=1",
            attachment="PDN.pdf",
            page=1,
            line=12,
            confidence=0.9,
        )
    )
    n.field_confidence["last_time_buy_date"] = 0.9
    for m, role in mentions or [(mpn, "affected")]:
        n.mentions.append(PartMention(mpn=m, role=role, confidence=0.9))
    return n
