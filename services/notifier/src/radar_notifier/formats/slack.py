"""Slack Block Kit message for an incoming webhook, within Slack's limits.

Limits honoured: at most 50 blocks; header text 150 characters; section text 3000; at most 10
fields of 2000 characters; the ``text`` fallback (notifications, screen readers) 3000 here
although Slack accepts more, so that it stays readable.
"""

from __future__ import annotations

from typing import Any

from radar_notifier.alert import SEVERITY_EMOJI, Alert
from radar_notifier.formats.text import banner, bullet_list, clip, render_text

MAX_BLOCKS = 50
HEADER_CHARS = 150
SECTION_CHARS = 3000
FIELD_CHARS = 2000
MAX_FIELDS = 10
FALLBACK_CHARS = 3000
LIST_LIMIT = 10


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn reserves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(markdown: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(markdown, SECTION_CHARS)}}


def _titled_list(title: str, items: list[str]) -> dict[str, Any]:
    head = f"*{escape(title)}*\n"
    body = bullet_list(
        [escape(i) for i in items], limit=LIST_LIMIT, max_chars=SECTION_CHARS - len(head)
    )
    return _section(head + body)


def render_slack(alert: Alert) -> dict[str, Any]:
    """The webhook body: ``{"text": fallback, "blocks": [...]}``."""
    emoji = SEVERITY_EMOJI.get(alert.severity, "")
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": clip(f"{emoji} {alert.title}".strip(), HEADER_CHARS),
                "emoji": True,
            },
        }
    ]
    extra = banner(alert)
    if extra:
        blocks.append(_section("\n".join(escape(line) for line in extra)))
    summary = [f"*{escape(alert.notice or alert.lifecycle_status or 'Lifecycle change')}*"]
    if alert.narrative:
        summary.append(escape(alert.narrative))
    blocks.append(_section("\n".join(summary)))
    fields = [
        {"type": "mrkdwn", "text": clip(f"*{escape(label)}*\n{escape(value)}", FIELD_CHARS)}
        for label, value in alert.facts()[:MAX_FIELDS]
    ]
    blocks.append({"type": "section", "fields": fields})
    if alert.where_used:
        blocks.append(_titled_list(f"Where used ({len(alert.where_used)})", alert.where_used))
    if alert.recommended_action:
        blocks.append(
            _titled_list(f"Recommended action: {alert.recommended_action}", alert.options)
            if alert.options
            else _section(f"*Recommended action:* {escape(alert.recommended_action)}")
        )
    if alert.alternates:
        blocks.append(_titled_list("Alternatives", alert.alternates))
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": label},
            "url": url,
            "action_id": action,
        }
        for label, url, action in (
            ("Notice", alert.notice_url, "radar_notice"),
            ("Task status", alert.status_url, "radar_task_status"),
        )
        if url
    ]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": clip(
                        f"{escape(alert.engine_line)} · trace_id `{alert.trace_id}` · "
                        f"task `{alert.task_id}` · assessment `{alert.assessment_id}`",
                        SECTION_CHARS,
                    ),
                }
            ],
        }
    )
    return {
        "text": clip(render_text(alert, limit=5), FALLBACK_CHARS),
        "blocks": blocks[:MAX_BLOCKS],
    }
