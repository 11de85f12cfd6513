"""Microsoft Teams (Workflows webhook): the same content as an Adaptive Card 1.4.

Teams refuses messages over about 28 KB; lists are shortened (with "and N more") until the
serialized message fits.
"""

from __future__ import annotations

import json
from typing import Any

from radar_notifier.alert import Alert, more
from radar_notifier.formats.text import banner

MAX_BYTES = 27 * 1024
COLORS = {"critical": "Attention", "high": "Warning", "medium": "Accent"}


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _list(title: str, items: list[str], limit: int) -> list[dict[str, Any]]:
    lines = "\n".join(f"- {item}" for item in more(items, limit))
    return [_text(title, weight="Bolder", spacing="Medium"), _text(lines, spacing="Small")]


def _card(alert: Alert, limit: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _text(
            alert.title,
            size="Large",
            weight="Bolder",
            color=COLORS.get(alert.severity, "Default"),
        ),
        _text(alert.notice or alert.lifecycle_status or "Lifecycle change", weight="Bolder"),
    ]
    extra = banner(alert)
    if extra:
        body.append(_text("\n\n".join(extra), weight="Bolder", color="Warning"))
    if alert.narrative:
        body.append(_text(alert.narrative, isSubtle=True))
    body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in alert.facts()]})
    if alert.where_used:
        body += _list(f"Where used ({len(alert.where_used)})", alert.where_used, limit)
    if alert.recommended_action:
        title = f"Recommended action: {alert.recommended_action}"
        body += _list(title, alert.options, limit) if alert.options else [_text(title)]
    if alert.alternates:
        body += _list("Alternatives", alert.alternates, limit)
    body.append(
        _text(
            f"{alert.engine_line} · trace_id {alert.trace_id} · task {alert.task_id}",
            isSubtle=True,
            size="Small",
            spacing="Medium",
        )
    )
    actions = []
    if alert.notice_url:
        actions.append({"type": "Action.OpenUrl", "title": "Notice", "url": alert.notice_url})
    if alert.status_url:
        actions.append({"type": "Action.OpenUrl", "title": "Task status", "url": alert.status_url})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "msteams": {"width": "Full"},
                    "body": body,
                    "actions": actions,
                },
            }
        ],
    }


def render_teams(alert: Alert, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """The Workflows webhook body, shrunk until it fits in ``max_bytes``."""
    limit = 10
    card = _card(alert, limit)
    while len(json.dumps(card).encode()) > max_bytes and limit > 1:
        limit = max(1, limit // 2)
        card = _card(alert, limit)
    if len(json.dumps(card).encode()) > max_bytes:
        # Only a huge narrative can still be too big: cut it to what is left.
        slim = Alert(**{**alert.__dict__, "narrative": alert.narrative[:2000] + "…"})
        card = _card(slim, 1)
    return card
