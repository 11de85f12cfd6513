"""Slack Block Kit message for an incoming webhook, within Slack's limits.

The blocks are slack_sdk's Block Kit models, so Slack's limits come from the SDK (header 150
characters, section text 3000, 10 fields per section, ...) and ``to_dict()`` refuses a block
that breaks one. What the SDK does not model is kept here: at most 50 blocks in a message,
2000 characters per field, and the ``text`` fallback (notifications, screen readers) cut at
3000 so that it stays readable.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from radar_notifier.alert import SEVERITY_EMOJI, Alert
from radar_notifier.formats.text import banner, bullet_list, clip, render_text

MAX_BLOCKS = 50
FIELD_CHARS = 2000
FALLBACK_CHARS = 3000
LIST_LIMIT = 10
SECTION_CHARS: int = SectionBlock.text_max_length


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn reserves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header(text: str) -> HeaderBlock:
    """A header block, cut to the SDK's limit."""
    return HeaderBlock(
        text=PlainTextObject(text=clip(text, HeaderBlock.text_max_length), emoji=True)
    )


def section(markdown: str) -> SectionBlock:
    """A mrkdwn section, cut to the SDK's limit."""
    return SectionBlock(text=MarkdownTextObject(text=clip(markdown, SECTION_CHARS)))


def message(fallback: str, blocks: list[Block]) -> dict[str, Any]:
    """The webhook body: ``{"text": fallback, "blocks": [...]}``, each block validated."""
    return {
        "text": clip(fallback, FALLBACK_CHARS),
        "blocks": [b.to_dict() for b in blocks[:MAX_BLOCKS]],
    }


def _titled_list(title: str, items: list[str]) -> SectionBlock:
    head = f"*{escape(title)}*\n"
    body = bullet_list(
        [escape(i) for i in items], limit=LIST_LIMIT, max_chars=SECTION_CHARS - len(head)
    )
    return section(head + body)


def render_slack(alert: Alert) -> dict[str, Any]:
    """The webhook body of one alert."""
    emoji = SEVERITY_EMOJI.get(alert.severity, "")
    blocks: list[Block] = [header(f"{emoji} {alert.title}".strip())]
    extra = banner(alert)
    if extra:
        blocks.append(section("\n".join(escape(line) for line in extra)))
    summary = [f"*{escape(alert.notice or alert.lifecycle_status or 'Lifecycle change')}*"]
    if alert.narrative:
        summary.append(escape(alert.narrative))
    blocks.append(section("\n".join(summary)))
    fields = [
        MarkdownTextObject(text=clip(f"*{escape(label)}*\n{escape(value)}", FIELD_CHARS))
        for label, value in alert.facts()[: SectionBlock.fields_max_length]
    ]
    blocks.append(SectionBlock(fields=fields))
    if alert.where_used:
        blocks.append(_titled_list(f"Where used ({len(alert.where_used)})", alert.where_used))
    if alert.recommended_action:
        blocks.append(
            _titled_list(f"Recommended action: {alert.recommended_action}", alert.options)
            if alert.options
            else section(f"*Recommended action:* {escape(alert.recommended_action)}")
        )
    if alert.alternates:
        blocks.append(_titled_list("Alternatives", alert.alternates))
    buttons = [
        ButtonElement(text=PlainTextObject(text=label), url=url, action_id=action)
        for label, url, action in (
            ("Notice", alert.notice_url, "radar_notice"),
            ("Task status", alert.status_url, "radar_task_status"),
        )
        if url
    ]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    trail = (
        f"{escape(alert.engine_line)} · trace_id `{alert.trace_id}` · "
        f"task `{alert.task_id}` · assessment `{alert.assessment_id}`"
    )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(trail, SECTION_CHARS))]))
    return message(render_text(alert, limit=5), blocks)
