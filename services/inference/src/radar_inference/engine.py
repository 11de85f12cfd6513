"""The deterministic impact engine: a notice's facts, a day and the catalog in; one assessment."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

from radar_common.contracts import Assessment, NormalizedNotice
from radar_common.notices.facts import NoticeFacts
from radar_common.notices.records import NoticeRecord
from radar_inference.decision import decide
from radar_inference.exposure import (
    Exposure,
    OrderingTerms,
    Window,
    cents,
    compute_exposure,
    whole,
    window_of,
)
from radar_inference.narrative import deterministic_narrative
from radar_inference.settings import InferenceSettings
from radar_inference.supply import part_supply
from radar_inference.where_used import (
    AlternatePart,
    PartMatch,
    ProductUse,
    Stock,
    alternates_of,
    match_part,
    where_used,
)

ENGINE_RULES = "rules"


def assessment_id_of(*parts: object) -> str:
    """A stable id from what makes an assessment itself (a redelivery gets the same id)."""
    return hashlib.sha256("|".join(("assessment", *map(str, parts))).encode()).hexdigest()[:32]


def _received_day(notice: NormalizedNotice) -> date | None:
    if notice.HasField("received_at") and notice.received_at.seconds:
        return notice.received_at.ToDatetime(tzinfo=UTC).date()
    return None


@dataclass(frozen=True)
class Subject:
    """What one assessment is about: a notice's facts, on a given day, and where it belongs."""

    facts: NoticeFacts
    as_of: date  # the day of the assessment
    announced: date  # the day the notice was first received (J-STD-048 start without issue date)
    assessment_id: str
    notice_id: str = ""
    task_id: str = ""
    trace_id: str = ""
    source: str = ""
    record_id: str = ""
    facts_version: int = 0
    part_index: int = 0
    part_count: int = 1
    review: str = ""
    review_reasons: tuple[str, ...] = ()
    state: str = ""
    owner: str = ""

    @classmethod
    def of_notice(cls, notice: NormalizedNotice, today: date | None = None) -> Subject:
        """An arriving notice assessed on the day it was received (else ``today``)."""
        day = _received_day(notice) or today or datetime.now(UTC).date()
        return cls(
            facts=NoticeFacts.of_notice(notice),
            as_of=day,
            announced=day,
            assessment_id=assessment_id_of(notice.notice_id),
            notice_id=notice.notice_id,
            task_id=notice.task_id,
            trace_id=notice.trace_id,
            source=notice.source,
            part_index=notice.part_index,
            part_count=max(1, notice.part_count),
            review=notice.review,
            review_reasons=tuple(notice.review_reasons),
        )

    @classmethod
    def of_record(
        cls,
        record: NoticeRecord,
        *,
        as_of: date,
        assessment_id: str,
        notice_id: str = "",
        task_id: str = "",
        trace_id: str = "",
        source: str = "",
        part_index: int = 0,
        part_count: int = 1,
    ) -> Subject:
        """A notice record's current facts, assessed as of ``as_of``."""
        return cls(
            facts=record.facts,
            as_of=as_of,
            announced=record.received_on,
            assessment_id=assessment_id,
            notice_id=notice_id or record.record_id,
            task_id=task_id,
            trace_id=trace_id,
            source=source,
            record_id=record.record_id,
            facts_version=record.facts_version,
            part_index=part_index,
            part_count=max(1, part_count),
            review=record.review,
            review_reasons=record.review_reasons,
            state=record.state,
            owner=record.owner,
        )

    @property
    def window(self) -> Window:
        return window_of(self.facts.dates(self.announced), self.as_of)


async def match_facts(conn: asyncpg.Connection, facts: NoticeFacts) -> PartMatch:
    """Find the notice's part in the catalog (orderable number, then base number)."""
    return await match_part(conn, facts.mpn, facts.base_mpn, facts.manufacturer)


async def match_notice(pool: asyncpg.Pool, notice: NormalizedNotice) -> PartMatch:
    async with pool.acquire() as conn:
        return await match_facts(conn, NoticeFacts.of_notice(notice))


async def assess(
    conn: asyncpg.Connection, subject: Subject, match: PartMatch, settings: InferenceSettings
) -> Assessment:
    """Compute where-used, the exposure, the options and the grade for a matched notice.

    Every query runs on ``conn``: one connection per assessment, no pool round trips between.
    """
    facts = subject.facts
    window = subject.window
    uses: list[ProductUse] = []
    stock, terms = Stock(), OrderingTerms()
    alternates: list[AlternatePart] = []
    if match.kind != "none":
        uses = await where_used(conn, match.mpn)
        stock, terms = await part_supply(conn, match.mpn)
        alternates = await alternates_of(conn, match.mpn)
    if facts.replacement_mpn and all(a.mpn != facts.replacement_mpn for a in alternates):
        # The maker's recommended replacement is a candidate, not qualified until we say so.
        alternates.append(AlternatePart(facts.replacement_mpn, facts.manufacturer, False))
    exposure = compute_exposure(
        uses,
        window,
        stock,
        horizon_months=settings.horizon_months,
        safety=settings.ltb_safety,
        terms=terms,
    )
    decision = decide(
        exposure,
        window,
        stock,
        alternates,
        facts.notice_kind,
        facts.lifecycle_status,
        settings,
        terms,
    )
    a = _assessment(subject, match, window, exposure, stock, terms, alternates, settings)
    a.recommended_action = decision.recommended_action
    a.severity = decision.severity
    a.risk_score = decision.risk_score
    for option in decision.options:
        a.options.add(
            action=option.action,
            cost=f"{cents(option.cost):.2f}",
            description=option.description,
            quantity=option.quantity,
        )
    a.narrative = deterministic_narrative(a)
    return a


async def assess_notice(
    pool: asyncpg.Pool,
    notice: NormalizedNotice,
    match: PartMatch,
    settings: InferenceSettings,
    *,
    today: date | None = None,
) -> Assessment:
    """Assess an arriving notice on its receipt day (no record involved)."""
    async with pool.acquire() as conn:
        return await assess(conn, Subject.of_notice(notice, today), match, settings)


def _assessment(
    s: Subject,
    match: PartMatch,
    window: Window,
    exposure: Exposure,
    stock: Stock,
    terms: OrderingTerms,
    alternates: list[AlternatePart],
    settings: InferenceSettings,
) -> Assessment:
    computed = Timestamp()
    computed.GetCurrentTime()
    f = s.facts
    a = Assessment(
        assessment_id=s.assessment_id,
        notice_id=s.notice_id,
        task_id=s.task_id,
        trace_id=s.trace_id,
        mpn=f.mpn,
        matched_mpn=match.mpn,
        match_kind=match.kind,
        need_before_ltb=whole(exposure.need_before_ltb),
        need_after_ltb=whole(exposure.need_after_ltb),
        stock_at_ltb=whole(exposure.stock_at_ltb),
        ltb_quantity=exposure.ltb_quantity,
        ltb_cost=f"{exposure.ltb_cost:.2f}",
        revenue_at_risk=f"{exposure.revenue_at_risk:.2f}",
        currency=settings.currency,
        engine=ENGINE_RULES,
        computed_at=computed,
        manufacturer=f.manufacturer,
        notice_number=f.notice_number,
        notice_kind=f.notice_kind,
        lifecycle_status=f.lifecycle_status,
        last_time_buy_date=f.stated("last_time_buy_date"),
        last_ship_date=f.stated("last_ship_date"),
        replacement_mpn=f.replacement_mpn,
        source=s.source,
        as_of=window.as_of.isoformat(),
        part_index=s.part_index,
        part_count=s.part_count,
        effective_last_time_buy_date=window.last_time_buy.isoformat(),
        effective_last_ship_date=window.last_ship.isoformat(),
        inferred_dates=list(window.inferred),
        uncovered=whole(exposure.uncovered),
        available_stock=stock.available,
        part_unit_price=f"{stock.unit_price:.4f}".rstrip("0").rstrip(".") if stock.known else "",
        shortfall_before_ltb=whole(exposure.shortfall_before_ltb),
        shortfall_cost=f"{exposure.shortfall_cost:.2f}",
        ltb_need=exposure.ltb_need,
        moq=terms.moq,
        order_multiple=terms.multiple,
        ltb_passed=window.ltb_passed,
        record_id=s.record_id,
        facts_version=s.facts_version,
        review=s.review,
        review_reasons=list(s.review_reasons),
        state=s.state,
        owner=s.owner,
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
