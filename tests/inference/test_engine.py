"""The engine against a real catalog in PostgreSQL: hand-computed assessments, persisted once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from radar_common.catalog import import_texts
from radar_common.contracts import NormalizedNotice
from radar_inference.engine import assess_notice, match_notice
from radar_inference.repository import save_assessment
from radar_inference.settings import InferenceSettings
from tests.inference.catalogs import HAND, pool_for

pytestmark = pytest.mark.integration
SETTINGS = InferenceSettings()


def notice(mpn: str = "LM358DR", **fields: object) -> NormalizedNotice:
    received = Timestamp()
    received.FromDatetime(datetime(2025, 1, 1, 12, tzinfo=UTC))
    values: dict[str, object] = {
        "notice_id": f"n-{mpn}",
        "task_id": "t" * 32,
        "trace_id": "a" * 32,
        "mpn": mpn,
        "manufacturer": "Texas Instruments",
        "notice_number": "PDN 25_0001",
        "notice_kind": "discontinuance",
        "lifecycle_status": "eol",
        "issue_date": "2025-01-01",
        "last_time_buy_date": "2026-05-03",  # 487 days: 16 months of 30.4375 days
        "last_ship_date": "2026-11-01",
        "part_index": 0,
        "part_count": 1,
        "received_at": received,
    }
    values.update(fields)
    return NormalizedNotice(**values)  # type: ignore[arg-type]


async def test_hand_computed_assessment(database_url: str) -> None:
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        n = notice()
        a = await assess_notice(pool, n, await match_notice(pool, n), SETTINGS)
    assert (a.match_kind, a.matched_mpn) == ("exact", "LM358DR")
    # P1: eff 3 (1x2 via M1, plus 1 direct) x 10/month; received on the issue day, 16 months
    # to the LTB date, 32 after it (to 2029-01-01).
    (p1,) = a.where_used
    assert (p1.sku, p1.eff_qty, p1.support_end) == ("P1", 3.0, "2029-01-01")
    assert sorted(tuple(p.nodes) for p in p1.paths) == [("P1", "LM358DR"), ("P1", "M1", "LM358DR")]
    assert (a.need_before_ltb, a.need_after_ltb, a.stock_at_ltb) == (480, 960, 520)
    assert (a.shortfall_before_ltb, a.shortfall_cost) == (0, "0.00")
    assert (a.ltb_need, a.ltb_quantity, a.ltb_cost, a.uncovered) == (536, 536, "268.00", 440)
    assert (a.moq, a.order_multiple, a.ltb_passed) == (0, 0, False)
    assert a.revenue_at_risk == "14666.67"
    assert a.recommended_action == "last_time_buy"
    assert [o.action for o in a.options][:2] == ["last_time_buy", "accept"]
    assert {o.action: o.cost for o in a.options}["redesign"] == "1000000.00"
    assert [(x.mpn, x.qualified) for x in a.alternates] == [("LM2904DR", False)]
    assert a.engine == "rules"
    # 440/960 uncovered x (0.5 + 0.5 x urgency); the LTB is 16 months away: no urgency yet.
    assert a.risk_score == pytest.approx(440 / 960 * 0.5, abs=1e-4)
    assert a.severity == "medium"
    assert "536" in a.narrative
    assert "268.00" in a.narrative
    assert (a.as_of, a.effective_last_ship_date, list(a.inferred_dates)) == (
        "2025-01-01",
        "2026-11-01",
        [],
    )


async def test_as_of_is_the_receipt_day_not_the_issue_date(database_url: str) -> None:
    late = Timestamp()
    late.FromDatetime(datetime(2025, 9, 1, tzinfo=UTC))
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        n = notice(received_at=late)
        a = await assess_notice(pool, n, await match_notice(pool, n), SETTINGS)
    # 2025-09-01 to 2026-05-03: 244 days of 30 a month are left before the LTB date.
    assert a.as_of == "2025-09-01"
    assert a.need_before_ltb == round(30 * 244 / 30.4375)
    assert a.need_after_ltb == 960


async def test_moq_and_order_multiple_from_parts_csv(database_url: str) -> None:
    parts = (
        HAND["parts.csv"]
        .replace("lifecycle_status\n", "lifecycle_status,moq,order_multiple\n")
        .replace("800,200,active", "800,200,active,600,250")
    )
    async with pool_for(database_url) as pool:
        await import_texts(pool, {**HAND, "parts.csv": parts})
        n = notice()
        a = await assess_notice(pool, n, await match_notice(pool, n), SETTINGS)
    assert (a.ltb_need, a.moq, a.order_multiple, a.ltb_quantity, a.ltb_cost) == (
        536,
        600,
        250,
        750,
        "375.00",
    )
    ltb = next(o for o in a.options if o.action == "last_time_buy")
    assert "536 needed, raised to the part's minimum order 600 and order multiple 250" in (
        ltb.description
    )


async def test_unknown_part_and_packing_withdrawal_are_info(database_url: str) -> None:
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        unknown = notice("TL072CP", last_ship_date="", last_time_buy_date="")
        a = await assess_notice(pool, unknown, await match_notice(pool, unknown), SETTINGS)
        assert (a.match_kind, a.severity, a.recommended_action) == ("none", "info", "none")
        assert list(a.inferred_dates) == ["last_time_buy", "last_ship"]
        assert a.effective_last_time_buy_date == "2025-07-01"
        assert a.effective_last_ship_date == "2026-01-01"
        reel = notice("LM358DRG4", notice_kind="packing_withdrawal")
        b = await assess_notice(pool, reel, await match_notice(pool, reel), SETTINGS)
        assert (b.match_kind, b.matched_mpn, b.severity) == ("base", "LM358DR", "info")
        assert b.ltb_quantity == 536  # the numbers are still shown


async def test_saving_is_idempotent_on_the_notice(database_url: str) -> None:
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        n = notice()
        first = await save_assessment(
            pool, await assess_notice(pool, n, await match_notice(pool, n), SETTINGS)
        )
        again = await assess_notice(pool, n, await match_notice(pool, n), SETTINGS)
        again.narrative = "a second computation"
        stored = await save_assessment(pool, again)
        assert stored.narrative == first.narrative
        assert stored.assessment_id == first.assessment_id
        row = await pool.fetchrow(
            "SELECT count(*), min(match_kind), min(risk_score) FROM assessments"
        )
        assert tuple(row) == (1, "exact", first.risk_score)


async def test_a_passed_ltb_date(database_url: str) -> None:
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        late = notice(last_time_buy_date="2024-06-01", last_ship_date="2024-12-01")
        a = await assess_notice(pool, late, await match_notice(pool, late), SETTINGS)
    # The LTB date is before as_of: everything from as_of (48 months to 2029-01-01) is "after".
    assert (a.need_before_ltb, a.need_after_ltb, a.stock_at_ltb) == (0, 1440, 1000)
    assert a.ltb_passed
    assert a.ltb_need == 584  # ceil(1440 x 1.1 - 1000)
    assert "last_time_buy" not in [o.action for o in a.options]
    # 584 x 0.50 x 2.5 = 730.00 from brokers beats qualifying LM2904DR (34,000) or a redesign.
    assert (a.recommended_action, a.options[0].cost) == ("broker_buy", "730.00")
    assert "The last-time-buy date 2024-06-01 passed before 2025-01-01" in a.narrative
