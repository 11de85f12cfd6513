"""Plain-text rendering: Slack's ``text`` fallback, e-mail bodies and the terminal."""

from __future__ import annotations

from radar_notifier.alert import Alert, more

LIST_LIMIT = 10


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def bullet_list(items: list[str], *, limit: int, max_chars: int, bullet: str = "• ") -> str:
    """Items one per line, at most ``limit`` lines and ``max_chars`` in all ("and N more")."""
    shown = len(items) if len(items) <= limit else max(0, limit - 1)
    while True:
        lines = [bullet + item for item in items[:shown]]
        if shown < len(items):
            lines.append(f"{bullet}and {len(items) - shown} more")
        text = "\n".join(lines)
        if len(text) <= max_chars or shown == 0:
            return clip(text, max_chars)
        shown -= 1


def render_text(alert: Alert, *, limit: int = LIST_LIMIT) -> str:
    """The whole alert as readable plain text."""
    out = [alert.headline, ""]
    out += [f"{label}: {value}" for label, value in alert.facts()]
    if alert.where_used:
        out += ["", f"Where used ({len(alert.where_used)}):"]
        out += ["  - " + item for item in more(alert.where_used, limit)]
    if alert.recommended_action:
        out += ["", f"Recommended action: {alert.recommended_action}"]
        out += ["  - " + item for item in more(alert.options, limit)]
    if alert.alternates:
        out += ["", "Alternatives:"]
        out += ["  - " + item for item in more(alert.alternates, limit)]
    if alert.narrative:
        out += ["", alert.narrative]
    out += ["", f"Task status: {alert.status_url}", f"trace_id: {alert.trace_id}"]
    return "\n".join(out)
