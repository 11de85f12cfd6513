"""Assessments to alert on, shaped like the inference service's output."""

from __future__ import annotations

from typing import Any

from radar_common.contracts import Alternate, Assessment, MitigationOption, WhereUsed


def assessment(**overrides: Any) -> Assessment:
    """A high-severity PDN assessment of one part used in two products."""
    a = Assessment(
        assessment_id="asm-1",
        notice_id="ntc-1",
        task_id="task-1",
        trace_id="0af7651916cd43dd8448eb211c80319c",
        mpn="EXR12-33DBVR",
        matched_mpn="EXR12-33DBVR",
        match_kind="exact",
        manufacturer="Example Semiconductor",
        notice_number="PDN 23_0061",
        notice_kind="pdn",
        lifecycle_status="EOL",
        last_time_buy_date="2027-03-31",
        last_ship_date="2027-09-30",
        ltb_quantity=14_400,
        ltb_cost="20160.00",
        revenue_at_risk="1296000.00",
        currency="USD",
        recommended_action="last_time_buy",
        severity="high",
        risk_score=0.82,
        narrative="The regulator goes end-of-life; two products need it until 2031.",
        engine="rules",
        part_index=0,
        part_count=1,
    )
    a.where_used.extend(
        [
            WhereUsed(sku="DEMO-SENSOR", name="Vibration sensor node", eff_qty=2),
            WhereUsed(sku="DEMO-HUB", name="Sensor hub", eff_qty=2),
        ]
    )
    a.alternates.append(Alternate(mpn="EXR13-33DBVR", manufacturer="Example Semi", qualified=True))
    a.options.extend(
        [
            MitigationOption(action="last_time_buy", cost="20160.00", description="buy 14,400"),
            MitigationOption(action="switch_to_alternate", cost="34000.00"),
        ]
    )
    for key, value in overrides.items():
        if key == "where_used":
            del a.where_used[:]
            a.where_used.extend(value)
        else:
            setattr(a, key, value)
    return a


def many_products(n: int) -> list[WhereUsed]:
    return [WhereUsed(sku=f"PRD-{i:04d}", name=f"Product number {i}") for i in range(n)]


RECORD = "4c1f0e9b2d7a48e6a3b5c9d1e2f3a4b5"


def kinds() -> dict[str, Assessment]:
    """One assessment per alert kind besides ``new`` (the examples in docs/alerts.md)."""
    review = assessment(
        alert_kind="needs_review",
        review="pending",
        record_id=RECORD,
        severity="medium",
        as_of="2026-11-22",
        narrative="Example Semiconductor may discontinue EXR12-33DBVR; the dates are uncertain.",
    )
    review.review_reasons.append("last-time-buy date ambiguous: 03/04/2027")
    changed = assessment(
        alert_kind="changed",
        record_id=RECORD,
        last_time_buy_date="2027-06-30",
        ltb_quantity=15_600,
        ltb_cost="21840.00",
        engine="crew",
        as_of="2026-11-22",
        narrative="The revision moves the last-time buy to 30 June 2027; buy 15,600 by then.",
    )
    del changed.options[:]
    changed.options.extend(
        [
            MitigationOption(action="last_time_buy", cost="21840.00", description="buy 15,600"),
            MitigationOption(action="switch_to_alternate", cost="34000.00"),
        ]
    )
    for f, before, after in (
        ("last_time_buy_date", "2027-03-31", "2027-06-30"),
        ("ltb_quantity", "14400", "15600"),
        ("ltb_cost", "20160.00", "21840.00"),
    ):
        changed.changes.add(field=f, before=before, after=after)
    reminder = assessment(
        alert_kind="reminder", record_id=RECORD, reminder_days=30, task_id="", as_of="2027-03-01"
    )
    closed = assessment(
        alert_kind="closed",
        record_id=RECORD,
        recommended_action="none",
        state="closed",
        as_of="2026-11-22",
        narrative="Example Semiconductor's notice PDN 23_0061 for EXR12-33DBVR is closed: "
        "retracted by PCN 23_0070. No action is needed for this part any more.",
    )
    del closed.options[:]
    closed.changes.add(field="state", before="new", after="closed")
    return {"needs_review": review, "changed": changed, "reminder": reminder, "closed": closed}
