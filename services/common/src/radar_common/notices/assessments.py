"""A notice's assessments: the figures a record keeps of its latest one, and linking a new one.

A record keeps the figures of its latest assessment (severity, action, LTB quantity and cost,
revenue at risk, LTB date) so that lists filter on them and the next assessment can say what
moved. :func:`link_assessment` makes a stored assessment the latest (never an older one over a
newer one) and adds an ``assessed`` entry to the trail, once per assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from radar_common.contracts import Assessment
from radar_common.notices.dates import parse_day
from radar_common.notices.facts import Change
from radar_common.notices.records import Executor, NoticeRecord

# What each mitigation option (and recommended action) is called where people read it.
ACTION_LABELS = {
    "none": "No action needed",
    "switch_to_alternate": "Switch to an alternate",
    "last_time_buy": "Last-time buy",
    "bridge_buy": "Bridge buy",
    "broker_buy": "Broker buy",
    "redesign": "Redesign",
    "accept": "Accept the risk",
}


@dataclass(frozen=True)
class Figures:
    """What an assessment concluded, as compared between two assessments."""

    severity: str
    recommended_action: str
    ltb_quantity: int
    ltb_cost: Decimal
    revenue_at_risk: Decimal
    effective_ltb: date | None
    ltb_passed: bool

    @classmethod
    def of_record(cls, r: NoticeRecord) -> Figures | None:
        """The record's latest figures; None before its first assessment."""
        if not r.assessment_id:
            return None
        return cls(
            r.severity,
            r.recommended_action,
            r.ltb_quantity,
            r.ltb_cost,
            r.revenue_at_risk,
            r.effective_ltb,
            r.ltb_passed,
        )

    @classmethod
    def of_assessment(cls, a: Assessment) -> Figures:
        """The figures of an assessment as they are compared and stored."""
        return cls(
            a.severity,
            a.recommended_action,
            int(a.ltb_quantity),
            Decimal(a.ltb_cost or 0),
            Decimal(a.revenue_at_risk or 0),
            parse_day(a.effective_last_time_buy_date),
            a.ltb_passed,
        )

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON (money as text with two decimals)."""
        return {
            "severity": self.severity,
            "recommended_action": self.recommended_action,
            "ltb_quantity": self.ltb_quantity,
            "ltb_cost": f"{self.ltb_cost:.2f}",
            "revenue_at_risk": f"{self.revenue_at_risk:.2f}",
            "effective_last_time_buy_date": self.effective_ltb.isoformat()
            if self.effective_ltb
            else "",
            "ltb_passed": self.ltb_passed,
        }


def figure_changes(before: Figures, after: Figures) -> list[Change]:
    """The figures that differ, as shown in a "changed" alert (old -> new)."""
    a, b = before.as_dict(), after.as_dict()
    return [Change(name, str(a[name]), str(b[name])) for name in a if a[name] != b[name]]


# One statement: lock the record, move its latest figures forward (never an older assessment
# over a newer one, never twice the same), and add the audit entry with the figures it replaced.
_LINK_SQL = """
WITH prev AS (
    SELECT record_id, assessment_id, assessed_facts_version, as_of, severity,
           recommended_action, ltb_quantity, ltb_cost, revenue_at_risk, effective_ltb, ltb_passed
    FROM notices WHERE record_id = $1 FOR UPDATE
), moved AS (
    UPDATE notices n
       SET assessment_id = $2, assessed_facts_version = greatest($3, prev.assessed_facts_version),
           inputs_fingerprint = $4, as_of = $5, severity = $6, recommended_action = $7,
           effective_ltb = $8, ltb_passed = $9, ltb_quantity = $10, ltb_cost = $11,
           revenue_at_risk = $12, matched_mpn = $13, work_key = '',
           version = n.version + 1, updated_at = clock_timestamp()
      FROM prev
     WHERE n.record_id = prev.record_id
       AND prev.assessment_id IS DISTINCT FROM $2
       AND ($3::int > prev.assessed_facts_version OR prev.as_of IS NULL OR $5::date IS NULL
            OR $5::date >= prev.as_of)
    RETURNING n.record_id
), audit AS (
    INSERT INTO notice_audit (record_id, actor, action, before, after)
    SELECT prev.record_id, $14, 'assessed',
           CASE WHEN prev.assessment_id IS NULL THEN NULL ELSE jsonb_build_object(
               'severity', prev.severity,
               'recommended_action', prev.recommended_action,
               'ltb_quantity', prev.ltb_quantity,
               'ltb_cost', prev.ltb_cost::numeric(20, 2)::text,
               'revenue_at_risk', prev.revenue_at_risk::numeric(20, 2)::text,
               'effective_last_time_buy_date', coalesce(prev.effective_ltb::text, ''),
               'ltb_passed', prev.ltb_passed) END,
           $15
    FROM prev JOIN moved USING (record_id)
    RETURNING 1
)
SELECT count(*) FROM audit
"""


async def link_assessment(
    db: Executor, a: Assessment, *, fingerprint: str, actor: str = "inference"
) -> bool:
    """Make ``a`` (already stored) its record's latest assessment; False if it was, or is older.

    Records the assessed facts version and the fingerprint of the catalog inputs it used, so
    the scheduler knows what is stale (:mod:`.reassessment`).
    """
    after = Figures.of_assessment(a)
    moved = await db.fetchval(
        _LINK_SQL,
        a.record_id,
        a.assessment_id,
        a.facts_version,
        fingerprint,
        parse_day(a.as_of),
        a.severity,
        a.recommended_action,
        after.effective_ltb,
        a.ltb_passed,
        int(a.ltb_quantity),
        after.ltb_cost,
        after.revenue_at_risk,
        a.matched_mpn,
        actor,
        {
            **after.as_dict(),
            "assessment_id": a.assessment_id,
            "trigger": a.trigger,
            "alert_kind": a.alert_kind,
            "as_of": a.as_of,
            "engine": a.engine,
        },
    )
    return bool(moved)


async def assessments_of(db: Executor, record_id: str) -> list[dict[str, Any]]:
    """Every assessment of a record, oldest first (id, when, why, figures)."""
    rows = await db.fetch(
        """
        SELECT assessment_id, computed_at, trigger, alert_kind, severity, recommended_action,
               engine, body->>'ltb_quantity' AS ltb_quantity, body->>'ltb_cost' AS ltb_cost,
               body->>'revenue_at_risk' AS revenue_at_risk, body->>'as_of' AS as_of
        FROM assessments WHERE record_id = $1 ORDER BY computed_at, assessment_id
        """,
        record_id,
    )
    return [
        {
            "assessment_id": r["assessment_id"],
            "computed_at": r["computed_at"].isoformat(),
            "as_of": r["as_of"],
            "trigger": r["trigger"],
            "alert_kind": r["alert_kind"],
            "severity": r["severity"],
            "recommended_action": r["recommended_action"],
            "engine": r["engine"],
            "ltb_quantity": int(r["ltb_quantity"] or 0),
            "ltb_cost": r["ltb_cost"] or "0.00",
            "revenue_at_risk": r["revenue_at_risk"] or "0.00",
        }
        for r in rows
    ]


async def latest_assessment(db: Executor, record: NoticeRecord) -> dict[str, Any] | None:
    """The stored body of the record's latest assessment (proto field names), if any."""
    if not record.assessment_id:
        return None
    body = await db.fetchval(
        "SELECT body FROM assessments WHERE assessment_id = $1", record.assessment_id
    )
    return dict(body) if body is not None else None
