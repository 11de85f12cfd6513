"""The generic webhook body: the alert's summary plus the whole assessment as JSON."""

from __future__ import annotations

from typing import Any

from google.protobuf.json_format import MessageToDict

from radar_common.contracts import Assessment
from radar_notifier.alert import Alert
from radar_notifier.formats.text import render_text


def render_webhook(alert: Alert, assessment: Assessment) -> dict[str, Any]:
    """``{"type": "radar.assessment", "data": {...assessment}, "alert": {...}}``; ``alert.kind``
    is new, needs_review, changed, reminder or closed."""
    return {
        "type": "radar.assessment",
        "data": MessageToDict(assessment, preserving_proto_field_name=True),
        "alert": {
            "notification_id": alert.notification_key,
            "title": alert.headline,
            "kind": alert.kind,
            "severity": alert.severity,
            "engine": alert.engine,
            "engine_text": alert.engine_line,
            "changes": alert.changes,
            "notice_url": alert.notice_url,
            "status_url": alert.status_url,
            "trace_id": alert.trace_id,
            "text": render_text(alert),
        },
    }
