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


def banner(alert: Alert) -> list[str]:
    """What the kind of alert adds before the facts (empty for a new notice)."""
    if alert.kind == "needs_review":
        where = alert.review_url or "POST /v1/notices/{id}/review"
        lines = [
            "Not confirmed: what was read from this notice is uncertain. Check it before "
            f"anyone acts on it (confirm or correct it: {where})."
        ]
        return lines + [f"Why: {reason}" for reason in alert.review_reasons]
    if alert.kind == "reminder":
        return [
            f"Reminder: the last-time-buy date is {alert.reminder_days} days away and no "
            "decision is recorded for this notice."
        ]
    if alert.kind == "closed":
        return ["This notice is closed: no action is needed for this part any more."]
    if alert.kind == "changed":
        return ["What changed:", *("  - " + c for c in alert.changes)]
    return []


def links(alert: Alert) -> list[str]:
    out = []
    if alert.notice_url:
        out.append(f"Notice: {alert.notice_url}")
    if alert.status_url:
        out.append(f"Task status: {alert.status_url}")
    return out


def render_text(alert: Alert, *, limit: int = LIST_LIMIT) -> str:
    """The whole alert as readable plain text."""
    out = [alert.headline, ""]
    extra = banner(alert)
    if extra:
        out += [*extra, ""]
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
    out += ["", alert.engine_line, *links(alert), f"trace_id: {alert.trace_id}"]
    return "\n".join(out)
