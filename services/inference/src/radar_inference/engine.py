"""The deterministic impact engine: one notice and the catalog in, one costed assessment out."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

from radar_common.contracts import Assessment, NormalizedNotice
from radar_inference.decision import decide
from radar_inference.exposure import Exposure, Window, cents, compute_exposure, whole, window_of
from radar_inference.narrative import deterministic_narrative
from radar_inference.settings import InferenceSettings
from radar_inference.where_used import (
    AlternatePart,
    PartMatch,
    ProductUse,
    Stock,
    alternates_of,
    match_part,
    stock_of,
    where_used,
)

ENGINE_RULES = "rules"


def assessment_id_of(notice_id: str) -> str:
    """Stable per notice: a redelivered notice gets the same id."""
    return hashlib.sha256(f"assessment|{notice_id}".encode()).hexdigest()[:32]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None  # an unreadable date counts as not given; the fallback rules apply


def notice_window(notice: NormalizedNotice, today: date | None = None) -> Window:
    """The dates the math uses; receipt is ``received_at`` (else today, UTC)."""
    if notice.HasField("received_at") and notice.received_at.seconds:
        received = notice.received_at.ToDatetime(tzinfo=UTC).date()
    else:
        received = today or datetime.now(UTC).date()
    return window_of(
        _day(notice.issue_date),
        received,
        _day(notice.last_time_buy_date),
        _day(notice.last_ship_date),
    )


async def match_notice(pool: asyncpg.Pool, notice: NormalizedNotice) -> PartMatch:
    """Find the notice's part in the catalog (orderable number, then base number)."""
    async with pool.acquire() as conn:
        return await match_part(conn, notice.mpn, notice.base_mpn, notice.manufacturer)


async def assess_notice(
    pool: asyncpg.Pool,
    notice: NormalizedNotice,
    match: PartMatch,
    settings: InferenceSettings,
    *,
    today: date | None = None,
) -> Assessment:
    """Compute where-used, the exposure, the options and the grade for a matched notice."""
    window = notice_window(notice, today)
    uses: list[ProductUse] = []
    stock = Stock()
    alternates: list[AlternatePart] = []
    if match.kind != "none":
        async with pool.acquire() as conn:
            uses = await where_used(conn, match.mpn)
            stock = await stock_of(conn, match.mpn)
            alternates = await alternates_of(conn, match.mpn)
    if notice.replacement_mpn and all(a.mpn != notice.replacement_mpn for a in alternates):
        # The maker's recommended replacement is a candidate, not qualified until we say so.
        alternates.append(AlternatePart(notice.replacement_mpn, notice.manufacturer, False))
    exposure = compute_exposure(
        uses,
        window,
        stock,
        horizon_months=settings.horizon_months,
        safety=settings.ltb_safety,
    )
    decision = decide(
        exposure,
        window,
        stock,
        alternates,
        notice.notice_kind,
        notice.lifecycle_status,
        settings,
    )
    assessment = _assessment(notice, match, window, exposure, stock, alternates, settings)
    assessment.recommended_action = decision.recommended_action
    assessment.severity = decision.severity
    assessment.risk_score = decision.risk_score
    for option in decision.options:
        assessment.options.add(
            action=option.action,
            cost=f"{cents(option.cost):.2f}",
            description=option.description,
            quantity=option.quantity,
        )
    assessment.narrative = deterministic_narrative(assessment)
    return assessment


def _assessment(
    notice: NormalizedNotice,
    match: PartMatch,
    window: Window,
    exposure: Exposure,
    stock: Stock,
    alternates: list[AlternatePart],
    settings: InferenceSettings,
) -> Assessment:
    computed = Timestamp()
    computed.GetCurrentTime()
    a = Assessment(
        assessment_id=assessment_id_of(notice.notice_id),
        notice_id=notice.notice_id,
        task_id=notice.task_id,
        trace_id=notice.trace_id,
        mpn=notice.mpn,
        matched_mpn=match.mpn,
        match_kind=match.kind,
        need_until_lsd=whole(exposure.need_until_lsd),
        need_after_lsd=whole(exposure.need_after_lsd),
        stock_left_at_lsd=whole(exposure.stock_left_at_lsd),
        ltb_quantity=exposure.ltb_quantity,
        ltb_cost=f"{exposure.ltb_cost:.2f}",
        revenue_at_risk=f"{exposure.revenue_at_risk:.2f}",
        currency=settings.currency,
        engine=ENGINE_RULES,
        computed_at=computed,
        manufacturer=notice.manufacturer,
        notice_number=notice.notice_number,
        notice_kind=notice.notice_kind,
        lifecycle_status=notice.lifecycle_status,
        last_time_buy_date=notice.last_time_buy_date,
        last_ship_date=notice.last_ship_date,
        replacement_mpn=notice.replacement_mpn,
        source=notice.source,
        as_of=window.as_of.isoformat(),
        part_index=notice.part_index,
        part_count=notice.part_count,
        effective_last_time_buy_date=window.last_time_buy.isoformat(),
        effective_last_ship_date=window.last_ship.isoformat(),
        inferred_dates=list(window.inferred),
        uncovered=whole(exposure.uncovered),
        available_stock=stock.available,
        part_unit_price=f"{stock.unit_price:.4f}".rstrip("0").rstrip(".") if stock.known else "",
    )
    for p in exposure.products:
        used = a.where_used.add(
            sku=p.use.sku,
            name=p.use.name,
            eff_qty=float(p.use.eff_qty),
            monthly_demand=float(p.use.monthly_demand),
            unit_price=f"{cents(p.use.unit_price):.2f}",
            support_end=p.support_end.isoformat(),
        )
        for path in p.use.paths:
            used.paths.add(nodes=list(path.nodes), quantity=float(path.quantity))
    for alt in alternates:
        a.alternates.add(mpn=alt.mpn, manufacturer=alt.manufacturer, qualified=alt.qualified)
    return a
