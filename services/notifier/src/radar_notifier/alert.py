"""What an alert says, worked out once from an Assessment; each channel only lays it out.

The assessment's ``alert_kind`` decides the kind of alert (docs/alerts.md):

- ``new``: a notice seen for the first time;
- ``needs_review``: a notice whose parts or dates are uncertain — not a confirmed EOL; says why
  and asks a person to check it;
- ``changed``: a revision, a review or a re-assessment that moved something: every change
  old -> new;
- ``reminder``: the LTB date is N days away and nobody has decided yet;
- ``closed``: the notice was withdrawn, reactivated or found not to affect the part.

Every alert says which engine wrote its text (the numbers are always the rules engine's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from radar_common.contracts import Assessment
from radar_common.notices.assessments import ACTION_LABELS

SEVERITY_EMOJI = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
    "low": ":large_blue_circle:",
    "info": ":white_circle:",
}
ENGINE_LABELS = {
    "rules": "Text: rules engine",
    "crew": "Text: LLM crew (every number from the rules engine)",
    "rules-fallback": "Text: rules engine (the LLM's text was not used)",
}
# Labels of the fields a "changed" alert lists (API names -> what people read).
CHANGE_LABELS = {
    "last_time_buy_date": "Last-time buy",
    "effective_last_time_buy_date": "Last-time buy",
    "last_ship_date": "Last ship",
    "notice_kind": "Notice kind",
    "replacement_mpn": "Replacement",
    "lifecycle_status": "Lifecycle status",
    "severity": "Severity",
    "recommended_action": "Recommended action",
    "ltb_quantity": "LTB quantity",
    "ltb_cost": "LTB cost",
    "revenue_at_risk": "Revenue at risk",
    "ltb_passed": "LTB date passed",
    "review": "Review",
    "state": "State",
}
_MONEY_FIELDS = frozenset({"ltb_cost", "revenue_at_risk"})


def money(amount: str, currency: str) -> str:
    """``1234.5`` + ``USD`` -> ``USD 1,234.50``; empty stays empty, odd text stays as given."""
    if not amount:
        return ""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return f"{currency} {amount}".strip()
    return f"{currency} {value:,.2f}".strip()


@dataclass(frozen=True)
class Deadline:
    """A notice date with the days left until it (negative when past)."""

    label: str
    raw: str
    days_left: int | None
    inferred: bool = False

    def describe(self) -> str:
        shown = f"{self.raw} (inferred)" if self.inferred else self.raw
        if self.days_left is None:
            return shown
        if self.days_left > 0:
            return f"{shown} ({self.days_left} days left)"
        if self.days_left == 0:
            return f"{shown} (today)"
        return f"{shown} ({-self.days_left} days ago)"


def _deadline(label: str, raw: str, today: date, inferred: bool = False) -> Deadline | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        return Deadline(label, raw, None, inferred)
    return Deadline(label, raw, (day - today).days, inferred)


def more(items: list[str], limit: int) -> list[str]:
    """The first ``limit`` items, the rest summed up as "and N more"."""
    if len(items) <= limit:
        return items
    shown = max(0, limit - 1)
    return [*items[:shown], f"and {len(items) - shown} more"]


@dataclass(frozen=True)
class Alert:
    """The content every channel shows, in plain values."""

    notification_key: str
    assessment_id: str
    task_id: str
    trace_id: str
    status_url: str
    severity: str
    mpn: str
    manufacturer: str
    notice: str
    notice_kind: str
    lifecycle_status: str
    deadlines: list[Deadline]
    where_used: list[str]
    ltb_quantity: int
    ltb_cost: str
    revenue_at_risk: str
    recommended_action: str
    alternates: list[str]
    options: list[str]
    narrative: str
    # new | needs_review | changed | reminder | closed
    kind: str = "new"
    # "Label: old → new" lines of a changed alert.
    changes: list[str] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)
    reminder_days: int = 0
    engine: str = "rules"
    shortfall: str = ""
    ltb_passed: bool = False
    notice_url: str = ""
    # The console's review page of the notice (needs_review alerts), when a console is set.
    review_url: str = ""

    @property
    def title(self) -> str:
        maker = f" ({self.manufacturer})" if self.manufacturer else ""
        part = f"{self.mpn}{maker}"
        if self.kind == "needs_review":
            return f"NEEDS REVIEW: {part}"
        if self.kind == "reminder":
            return f"REMINDER, LTB in {self.reminder_days} days: {part}"
        if self.kind == "closed":
            return f"CLOSED: {part}"
        prefix = "CHANGED " if self.kind == "changed" else ""
        return f"{prefix}{self.severity.upper()}: {part}"

    @property
    def headline(self) -> str:
        """One line saying what happened, for previews and subjects."""
        what = self.notice or self.lifecycle_status or "lifecycle change"
        if self.kind == "needs_review":
            what = f"possible {what}, not confirmed: a person must check what was read"
        return f"{self.title} — {what}"

    @property
    def engine_line(self) -> str:
        return ENGINE_LABELS.get(self.engine, f"Text: {self.engine}")

    @property
    def link(self) -> str:
        """Where a person goes from the alert: the notice, else the task."""
        return self.notice_url or self.status_url

    def facts(self) -> list[tuple[str, str]]:
        """Label/value pairs in the order every channel shows them."""
        rows: list[tuple[str, str]] = [
            ("Part", self.mpn),
            ("Manufacturer", self.manufacturer or "unknown"),
            ("Notice", self.notice or "—"),
        ]
        if self.kind == "closed":
            return [*rows, ("State", "closed")]
        rows.append(("Severity", self.severity))
        rows += [(d.label, d.describe()) for d in self.deadlines]
        if self.ltb_passed:
            rows.append(("Last-time buy", "passed: no order is accepted any more"))
        else:
            if self.ltb_quantity:
                rows.append(("LTB quantity", f"{self.ltb_quantity:,}"))
            if self.ltb_cost and self.ltb_quantity:
                rows.append(("LTB cost", self.ltb_cost))
        if self.shortfall:
            rows.append(("Short before LTB", self.shortfall))
        if self.revenue_at_risk:
            rows.append(("Revenue at risk", self.revenue_at_risk))
        return rows


def _change_line(field_name: str, before: str, after: str, currency: str) -> str:
    label = CHANGE_LABELS.get(field_name, field_name.replace("_", " ").capitalize())
    if field_name in _MONEY_FIELDS:
        before, after = money(before, currency), money(after, currency)
    elif field_name == "recommended_action":
        before, after = ACTION_LABELS.get(before, before), ACTION_LABELS.get(after, after)
    elif field_name == "ltb_quantity":
        before, after = f"{int(before or 0):,}", f"{int(after or 0):,}"
    return f"{label}: {before or '—'} → {after or '—'}"


def _today(a: Assessment, today: date | None) -> date:
    if today is not None:
        return today
    try:
        return date.fromisoformat(a.as_of) if a.as_of else datetime.now(UTC).date()
    except ValueError:
        return datetime.now(UTC).date()


def build_alert(
    a: Assessment,
    *,
    public_url: str,
    notification_key: str = "",
    today: date | None = None,
    console_url: str = "",
) -> Alert:
    """Turn an assessment into the alert's content (days counted from ``today``, else the
    assessment's day)."""
    day = _today(a, today)
    kind = a.notice_kind.upper()
    # Numbers often carry the kind already ("PDN 23_0061"): do not say it twice.
    if a.notice_number.upper().startswith(kind):
        kind = ""
    notice = " ".join(p for p in (kind, a.notice_number) if p)
    inferred = set(a.inferred_dates)
    deadlines = [
        d
        for d in (
            _deadline(
                "Last-time buy",
                a.effective_last_time_buy_date or a.last_time_buy_date,
                day,
                "last_time_buy" in inferred,
            ),
            _deadline(
                "Last ship",
                a.effective_last_ship_date or a.last_ship_date,
                day,
                "last_ship" in inferred,
            ),
        )
        if d is not None
    ]
    where_used = [
        f"{w.sku} {w.name}".strip() + (f" ({w.eff_qty:g} per unit)" if w.eff_qty else "")
        for w in a.where_used
    ]
    alternates = [
        f"{alt.mpn}"
        + (f" ({alt.manufacturer})" if alt.manufacturer else "")
        + (" — qualified" if alt.qualified else "")
        for alt in a.alternates
    ]
    if a.replacement_mpn and not any(alt.mpn == a.replacement_mpn for alt in a.alternates):
        alternates.insert(0, f"{a.replacement_mpn} (recommended by the manufacturer)")
    options = [
        ACTION_LABELS.get(o.action, o.action)
        + (f": {money(o.cost, a.currency)}" if o.cost else "")
        + (f" — {o.description}" if o.description else "")
        for o in a.options
    ]
    shortfall = ""
    if a.shortfall_before_ltb:
        shortfall = (
            f"{a.shortfall_before_ltb:,.0f} units through regular orders "
            f"({money(a.shortfall_cost, a.currency)})"
        )
    base = public_url.rstrip("/")
    # With the console's address (RADAR_CONSOLE_URL) people land on pages, not on the API's JSON.
    console = console_url.rstrip("/")
    if console:
        status_url = f"{console}/operations/tasks/{a.task_id}" if a.task_id else ""
        notice_url = f"{console}/notices/{a.record_id}" if a.record_id else ""
        review_url = f"{console}/review/{a.record_id}" if a.record_id else ""
    else:
        review_url = ""
        status_url = f"{base}/v1/tasks/{a.task_id}" if a.task_id else ""
        notice_url = f"{base}/v1/notices/{a.record_id}" if a.record_id else ""
    return Alert(
        notification_key=notification_key,
        assessment_id=a.assessment_id,
        task_id=a.task_id,
        trace_id=a.trace_id,
        status_url=status_url,
        severity=a.severity or "info",
        mpn=a.mpn or a.matched_mpn or "unknown part",
        manufacturer=a.manufacturer,
        notice=notice,
        notice_kind=a.notice_kind,
        lifecycle_status=a.lifecycle_status,
        deadlines=deadlines,
        where_used=where_used,
        ltb_quantity=int(a.ltb_quantity),
        ltb_cost=money(a.ltb_cost, a.currency),
        revenue_at_risk=money(a.revenue_at_risk, a.currency),
        recommended_action=ACTION_LABELS.get(a.recommended_action, a.recommended_action),
        alternates=alternates,
        options=options,
        narrative=a.narrative,
        kind=a.alert_kind or "new",
        changes=[_change_line(c.field, c.before, c.after, a.currency) for c in a.changes],
        review_reasons=list(a.review_reasons) if a.review == "pending" else [],
        reminder_days=int(a.reminder_days),
        engine=a.engine or "rules",
        shortfall=shortfall,
        ltb_passed=a.ltb_passed,
        notice_url=notice_url,
        review_url=review_url,
    )
