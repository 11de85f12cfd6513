"""What an alert says, worked out once from an Assessment; each channel only lays it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from radar_common.contracts import Assessment

SEVERITY_ORDER = ("info", "low", "medium", "high", "critical")
SEVERITY_EMOJI = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
    "low": ":large_blue_circle:",
    "info": ":white_circle:",
}
ACTION_LABELS = {
    "none": "No action needed",
    "switch_to_alternate": "Switch to an alternate",
    "last_time_buy": "Last-time buy",
    "bridge_buy": "Bridge buy",
    "redesign": "Redesign",
    "accept": "Accept the risk",
}


def severity_rank(severity: str) -> int:
    """Position in info < low < medium < high < critical (unknown counts as info)."""
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else 0


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

    def describe(self) -> str:
        if self.days_left is None:
            return self.raw
        if self.days_left > 0:
            return f"{self.raw} ({self.days_left} days left)"
        if self.days_left == 0:
            return f"{self.raw} (today)"
        return f"{self.raw} ({-self.days_left} days ago)"


def _deadline(label: str, raw: str, today: date) -> Deadline | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        return Deadline(label, raw, None)
    return Deadline(label, raw, (day - today).days)


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

    @property
    def title(self) -> str:
        maker = f" ({self.manufacturer})" if self.manufacturer else ""
        return f"{self.severity.upper()}: {self.mpn}{maker}"

    @property
    def headline(self) -> str:
        """One line saying what happened, for previews and subjects."""
        what = self.notice or self.lifecycle_status or "lifecycle change"
        return f"{self.title} — {what}"

    def facts(self) -> list[tuple[str, str]]:
        """Label/value pairs in the order every channel shows them."""
        rows: list[tuple[str, str]] = [
            ("Part", self.mpn),
            ("Manufacturer", self.manufacturer or "unknown"),
            ("Notice", self.notice or "—"),
            ("Severity", self.severity),
        ]
        rows += [(d.label, d.describe()) for d in self.deadlines]
        if self.ltb_quantity:
            rows.append(("LTB quantity", f"{self.ltb_quantity:,}"))
        if self.ltb_cost:
            rows.append(("LTB cost", self.ltb_cost))
        if self.revenue_at_risk:
            rows.append(("Revenue at risk", self.revenue_at_risk))
        return rows


def build_alert(
    a: Assessment, *, public_url: str, notification_key: str = "", today: date | None = None
) -> Alert:
    """Turn an assessment into the alert's content (dates relative to ``today``, UTC)."""
    today = today or datetime.now(UTC).date()
    kind = a.notice_kind.upper()
    # Numbers often carry the kind already ("PDN 23_0061"): do not say it twice.
    if a.notice_number.upper().startswith(kind):
        kind = ""
    notice = " ".join(p for p in (kind, a.notice_number) if p)
    deadlines = [
        d
        for d in (
            _deadline("Last-time buy", a.last_time_buy_date, today),
            _deadline("Last ship", a.last_ship_date, today),
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
    return Alert(
        notification_key=notification_key,
        assessment_id=a.assessment_id,
        task_id=a.task_id,
        trace_id=a.trace_id,
        status_url=f"{public_url.rstrip('/')}/v1/tasks/{a.task_id}",
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
    )
