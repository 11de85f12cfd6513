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
