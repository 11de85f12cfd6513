"""Small realistic notices for the stage tests, built the way they arrive."""

from __future__ import annotations

import json
from typing import Any

from radar_common.contracts import NormalizedNotice, RawEvent
from radar_normalizer.extract import Reading, read_notice
from tests.normalizer.corpus import build_event


def mail(text: str, subject: str = "", sender: str = "PCN <pcn@example.org>") -> RawEvent:
    """A SendGrid-parsed e-mail with a text body."""
    payload = {"subject": subject, "from": sender, "text": text}
    return RawEvent(
        event_id=f"ev-{abs(hash(text)) % 10**8}",
        task_id="t-stage",
        source="sendgrid",
        format="sendgrid",
        payload_json=json.dumps(payload),
    )


def mime(spec: dict[str, Any], fmt: str = "ses") -> RawEvent:
    """A raw MIME e-mail (subject, from, text/html, attachments with ``pdf: [lines]``)."""
    return build_event("stage", {"format": fmt, "source": fmt, "mime": spec})


def read(event: RawEvent) -> Reading:
    return read_notice(event)


def parts(event: RawEvent) -> dict[str, NormalizedNotice]:
    """The notices of ``event`` by part number (none when nothing is affected)."""
    return {n.mpn: n for n in read_notice(event).notices}


def roles(event: RawEvent) -> dict[str, str]:
    """Every mention's role by part number."""
    return {m.mpn: m.role for m in read_notice(event).roles.mentions}
