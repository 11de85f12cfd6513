"""The exposure formulas on hand-computed cases (docs/impact.md)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from radar_inference.exposure import (
    Window,
    add_months,
    compute_exposure,
    months,
    need_between,
    window_of,
)
from radar_inference.where_used import BomPath, ProductUse, Stock

AS_OF = date(2025, 1, 1)
# 487 days are exactly 16 months of 30.4375 days: the hand computations stay in whole numbers.
LSD = AS_OF + timedelta(days=487)
SAFETY = Decimal("0.10")


def use(
    sku: str,
    eff_qty: str,
    demand: str,
    price: str,
    end: date | None,
) -> ProductUse:
    return ProductUse(
        sku=sku,
        name=sku,
        unit_price=Decimal(price),
        monthly_demand=Decimal(demand),
        end_of_support=end,
        eff_qty=Decimal(eff_qty),
        paths=(BomPath((sku, "X"), Decimal(eff_qty)),),
    )


def window(lsd: date = LSD, ltb: date | None = None) -> Window:
    return Window(as_of=AS_OF, received=AS_OF, last_time_buy=ltb or lsd, last_ship=lsd)


def test_months_is_days_over_30_4375_and_never_negative() -> None:
    assert months(AS_OF, LSD) == 16
    assert months(LSD, AS_OF) == 0
    assert months(AS_OF, AS_OF + timedelta(days=30)) == Decimal(30) / Decimal("30.4375")


def test_one_product_hand_computed() -> None:
    # eff 3 x demand 10 = 30 parts/month; 16 months to LSD, 32 months after it.
    p = use("P", "3", "10", "100.00", LSD + timedelta(days=974))
    e = compute_exposure(
        [p], window(), Stock(800, 200, Decimal("0.50"), True), horizon_months=60, safety=SAFETY
    )
    assert e.need_until_lsd == 480
    assert e.need_after_lsd == 960
    assert e.stock_left_at_lsd == 520  # 1000 - 480
    assert e.ltb_quantity == 536  # ceil(960 * 1.1 - 520)
    assert e.ltb_cost == Decimal("268.00")  # 536 * 0.50
    assert e.uncovered == 440  # 960 - 520
    assert e.revenue_at_risk == Decimal("14666.67")  # 440 / 3 products x 100.00


def test_two_products_share_the_uncovered_quantity() -> None:
    # A: 2 x 5 = 10/month, 16 months after LSD -> 160; B: 1 x 40 = 40/month, 32 months -> 1280.
    a = use("A", "2", "5", "50.00", LSD + timedelta(days=487))
    b = use("B", "1", "40", "10.00", LSD + timedelta(days=974))
    e = compute_exposure(
        [a, b], window(), Stock(1000, 0, Decimal("1"), True), horizon_months=60, safety=SAFETY
    )
    assert e.need_until_lsd == 160 + 640
    assert e.need_after_lsd == 160 + 1280
    assert e.stock_left_at_lsd == 200
    assert e.uncovered == 1240
    assert e.ltb_quantity == 1384  # ceil(1440 * 1.1 - 200)
    # A: 160/1440 of 1240 parts = 137.78 parts / 2 per unit x 50.00 = 3444.44
    # B: 1280/1440 of 1240 = 1102.22 parts / 1 x 10.00 = 11022.22
    assert e.revenue_at_risk == Decimal("14466.67")
    by_sku = {p.use.sku: p.revenue_at_risk for p in e.products}
    assert round(by_sku["A"], 2) == Decimal("3444.44")
    assert round(by_sku["B"], 2) == Decimal("11022.22")


def test_support_ending_before_the_last_ship_date_needs_nothing_after_it() -> None:
    end = AS_OF + timedelta(days=487 // 2)
    p = use("P", "1", "10", "1", end)
    e = compute_exposure([p], window(), Stock(), horizon_months=60, safety=SAFETY)
    assert e.need_until_lsd == 10 * months(AS_OF, end)
    assert e.need_after_lsd == 0
    assert e.ltb_quantity == 0
    assert e.revenue_at_risk == 0


def test_stock_that_covers_everything_needs_no_buy() -> None:
    p = use("P", "3", "10", "100", LSD + timedelta(days=974))
    e = compute_exposure(
        [p], window(), Stock(5000, 0, Decimal("2"), True), horizon_months=60, safety=SAFETY
    )
    assert e.stock_left_at_lsd == 5000 - 480
    assert e.ltb_quantity == 0
    assert e.uncovered == 0
    assert e.ltb_cost == 0
    assert e.revenue_at_risk == 0


def test_a_last_ship_date_already_past_counts_from_as_of() -> None:
    past = AS_OF - timedelta(days=100)
    p = use("P", "1", "10", "20", AS_OF + timedelta(days=487))
    e = compute_exposure(
        [p], window(lsd=past), Stock(60, 0, Decimal("1"), True), horizon_months=60, safety=SAFETY
    )
    assert e.lsd_used == AS_OF
    assert e.need_until_lsd == 0
    assert e.need_after_lsd == 160
    assert e.stock_left_at_lsd == 60
    assert e.ltb_quantity == 116  # ceil(176 - 60)


def test_no_end_of_support_uses_the_horizon() -> None:
    p = use("P", "1", "10", "20", None)
    e = compute_exposure([p], window(), Stock(), horizon_months=24, safety=SAFETY)
    end = date(2027, 1, 1)
    assert e.products[0].support_end == end
    assert e.need_after_lsd == 10 * months(LSD, end)


def test_zero_demand_and_no_products_give_zero_without_dividing_by_zero() -> None:
    p = use("P", "1", "0", "20", None)
    for uses in ([p], []):
        e = compute_exposure(
            uses, window(), Stock(10, 0, Decimal("1"), True), horizon_months=60, safety=SAFETY
        )
        assert e.need_after_lsd == 0
        assert e.ltb_quantity == 0
        assert e.revenue_at_risk == 0


def test_several_paths_add_up_in_eff_qty() -> None:
    p = ProductUse(
        "P",
        "P",
        Decimal(10),
        Decimal(10),
        LSD + timedelta(days=487),
        Decimal(10),
        (BomPath(("P", "A", "X"), Decimal(2)), BomPath(("P", "B", "X"), Decimal(8))),
    )
    e = compute_exposure([p], window(), Stock(), horizon_months=60, safety=SAFETY)
    assert e.need_until_lsd == 10 * 10 * 16


def test_missing_dates_follow_jstd048_minimums() -> None:
    received = date(2025, 3, 10)
    given = window_of(date(2025, 1, 31), received, date(2025, 7, 31), None)
    assert given.last_ship == date(2025, 7, 31)  # the LTB stands in for the LSD
    assert given.inferred == ("last_ship",)
    bare = window_of(None, received, None, None)
    assert bare.as_of == received
    assert bare.last_ship == date(2026, 3, 10)
    assert bare.last_time_buy == date(2025, 9, 10)
    assert bare.inferred == ("last_ship", "last_time_buy")
    assert bare.ltb_open


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [(date(2025, 1, 31), 1, date(2025, 2, 28)), (date(2024, 11, 15), 14, date(2026, 1, 15))],
)
def test_add_months_clamps_to_the_month_end(day: date, count: int, expected: date) -> None:
    assert add_months(day, count) == expected


def test_need_between_stops_at_each_products_support_end() -> None:
    p = use("P", "2", "5", "1", LSD + timedelta(days=487))
    e = compute_exposure([p], window(), Stock(), horizon_months=60, safety=SAFETY)
    assert need_between(e.products, LSD, LSD + timedelta(days=974)) == 160
