"""Which reminders are due before an LTB date, once each, and none after a decision."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from radar_common.contracts import Assessment
from radar_common.notices.arrivals import record_arrival
from radar_common.notices.assessments import link_assessment
from radar_common.notices.decisions import DecisionInput, decide
from radar_common.notices.history import history
from radar_common.notices.reminders import (
    due_reminders,
    offset_due,
    parse_offsets,
    record_reminder,
    still_due,
)
from tests.records.notices import arrival

pytestmark = pytest.mark.integration
LTB = date(2026, 5, 3)
OFFSETS = (90, 30, 7)


def test_offsets() -> None:
    assert parse_offsets("7, 90,30") == (90, 30, 7)
    with pytest.raises(ValueError, match="positive"):
        parse_offsets("30,0")
    assert [offset_due(d, OFFSETS) for d in (120, 90, 40, 30, 20, 7, 1, 0)] == [
        None,
        90,
        90,
        30,
        30,
        7,
        7,
        7,
    ]


async def assessed(
    pool: asyncpg.Pool,
    *,
    ltb_quantity: int = 536,
    severity: str = "medium",
    mpn: str = "LM358DR",
    event: str = "e1",
) -> str:
    record = (await record_arrival(pool, arrival(mpn, event=event))).record  # on 2025-01-01
    a = Assessment(
        assessment_id="a" * 32,
        record_id=record.record_id,
        facts_version=1,
        as_of="2025-01-01",
        severity=severity,
        recommended_action="last_time_buy",
        ltb_quantity=ltb_quantity,
        ltb_cost="268.00",
        revenue_at_risk="14666.67",
        effective_last_time_buy_date=LTB.isoformat(),
        trigger="arrival",
        alert_kind="new",
    )
    assert await link_assessment(pool, a, fingerprint="fp")
    assert not await link_assessment(pool, a, fingerprint="fp")  # once
    return record.record_id


async def test_one_reminder_per_offset_until_decided(pool: asyncpg.Pool) -> None:
    rid = await assessed(pool)
    assert await due_reminders(pool, LTB - timedelta(days=91), OFFSETS) == []
    (first,) = await due_reminders(pool, LTB - timedelta(days=90), OFFSETS)
    assert (first.record_id, first.offset_days, first.days_left, first.key) == (
        rid,
        90,
        90,
        "2026-05-03:90",
    )
    assert await record_reminder(pool, first, assessment_id="r1", today=LTB - timedelta(days=90))
    assert not await record_reminder(pool, first, assessment_id="r1", today=LTB)  # once
    assert await due_reminders(pool, LTB - timedelta(days=60), OFFSETS) == []
    (second,) = await due_reminders(pool, LTB - timedelta(days=25), OFFSETS)
    assert second.offset_days == 30
    await decide(pool, rid, DecisionInput(actor="bob", action="accept"))
    assert await due_reminders(pool, LTB - timedelta(days=25), OFFSETS) == []
    assert not await still_due(pool, rid, LTB)
    assert [e.action for e in await history(pool, rid)] == [
        "recorded",
        "assessed",
        "reminded",
        "decided",
    ]


async def test_after_an_outage_only_the_latest_reminder_goes(pool: asyncpg.Pool) -> None:
    await assessed(pool)
    (due,) = await due_reminders(pool, LTB - timedelta(days=5), OFFSETS)
    assert due.offset_days == 7


async def test_a_notice_that_arrives_late_gets_no_reminder_for_a_point_already_past(
    pool: asyncpg.Pool,
) -> None:
    # Received 2025-01-01; an LTB only 20 days after that leaves no room for the 30-day one.
    rid = await assessed(pool)
    await pool.execute(
        "UPDATE notices SET effective_ltb = $2 WHERE record_id = $1",
        rid,
        date(2025, 1, 21),
    )
    assert await due_reminders(pool, date(2025, 1, 2), OFFSETS) == []
    (due,) = await due_reminders(pool, date(2025, 1, 14), OFFSETS)
    assert due.offset_days == 7


async def test_no_reminder_when_no_last_time_buy_is_needed(pool: asyncpg.Pool) -> None:
    await assessed(pool, ltb_quantity=0, severity="low")
    await assessed(pool, event="e2", mpn="NE555P", severity="info")
    assert await due_reminders(pool, LTB - timedelta(days=30), OFFSETS) == []
