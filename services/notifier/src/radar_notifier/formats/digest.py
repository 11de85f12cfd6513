"""A route's daily digest: one message listing the day's alerts, in each channel's format."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from radar_notifier.alert import SEVERITY_EMOJI, more
from radar_notifier.formats.slack import escape, header, message, section
from radar_notifier.formats.teams import MAX_BYTES

LINES_PER_SECTION = 10
MAX_SECTIONS = 45


@dataclass(frozen=True)
class DigestEntry:
    assessment_id: str
    severity: str
    summary: str
    status_url: str
    trace_id: str


@dataclass(frozen=True)
class Digest:
    """The alerts one route batched for one channel up to ``day``."""

    key: str
    route: str
    day: str
    entries: list[DigestEntry]

    @property
    def title(self) -> str:
        n = len(self.entries)
        return f"Radar daily digest ({self.route}, {self.day}): {n} alert{'s' * (n != 1)}"


def render_digest_text(d: Digest, *, limit: int = 200) -> str:
    lines = [d.title, ""]
    lines += more([f"- [{e.severity}] {e.summary} — {e.status_url}" for e in d.entries], limit)
    return "\n".join(lines)


def render_digest_slack(d: Digest) -> dict[str, Any]:
    lines = [
        f"{SEVERITY_EMOJI.get(e.severity, '')} <{e.status_url}|{escape(e.summary)}>"
        for e in d.entries
    ]
    shown = more(lines, LINES_PER_SECTION * MAX_SECTIONS)
    chunks = [
        "\n".join(shown[i : i + LINES_PER_SECTION]) for i in range(0, len(shown), LINES_PER_SECTION)
    ]
    return message(render_digest_text(d, limit=20), [header(d.title), *map(section, chunks)])


def render_digest_teams(d: Digest) -> dict[str, Any]:
    limit = 200
    while True:
        items = more(
            [f"- **{e.severity}** [{e.summary}]({e.status_url})" for e in d.entries], limit
        )
        card = {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": {
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {
                                "type": "TextBlock",
                                "text": d.title,
                                "weight": "Bolder",
                                "wrap": True,
                            },
                            {"type": "TextBlock", "text": "\n".join(items), "wrap": True},
                        ],
                    },
                }
            ],
        }
        if len(json.dumps(card).encode()) <= MAX_BYTES or limit <= 5:
            return card
        limit //= 2


def render_digest_webhook(d: Digest) -> dict[str, Any]:
    return {
        "type": "radar.digest",
        "digest_id": d.key,
        "route": d.route,
        "day": d.day,
        "items": [e.__dict__ for e in d.entries],
    }
