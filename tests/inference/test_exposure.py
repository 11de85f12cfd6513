"""The exposure formulas on hand-computed cases (docs/impact.md), one per branch of the math.

Months are days / 30.4375, so 487 days are exactly 16 months and 974 days 32: the cases below
stay in whole numbers that can be checked by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from radar_common.notices.dates import add_months, effective_dates
from radar_inference.exposure import (
    OrderingTerms,
    Window,
    compute_exposure,
    months,
    need_between,
    whole,
)
from radar_inference.where_used import BomPath, ProductUse, Stock

AS_OF = date(2025, 1, 1)
LTB = AS_OF + timedelta(days=487)  # 2026-05-03, 16 months ahead
END = LTB + timedelta(days=974)  # 2029-01-01, 32 months after the LTB date
SAFETY = Decimal("0.10")


def use(sku: str, eff_qty: str, demand: str, price: str, end: date | None) -> ProductUse:
    return ProductUse(
        sku=sku,
        name=sku,
        unit_price=Decimal(price),
        monthly_demand=Decimal(demand),
        end_of_support=end,
        eff_qty=Decimal(eff_qty),
        paths=(BomPath((sku, "X"), Decimal(eff_qty)),),
    )


def window(ltb: date = LTB, as_of: date = AS_OF, last_ship: date | None = None) -> Window:
    return Window(as_of=as_of, last_time_buy=ltb, last_ship=last_ship or ltb)


def stock(available: int, price: str = "0.50") -> Stock:
    return Stock(available, 0, Decimal(price), True)


P1 = use("P", "3", "10", "100.00", END)  # 3 per unit x 10 a month = 30 parts a month


def test_months_is_days_over_30_4375_and_never_negative() -> None:
    assert months(AS_OF, LTB) == 16
    assert months(LTB, AS_OF) == 0
    assert months(AS_OF, AS_OF + timedelta(days=30)) == Decimal(30) / Decimal("30.4375")


def test_ltb_ahead() -> None:
    e = compute_exposure([P1], window(), stock(1000), horizon_months=60, safety=SAFETY)
    assert e.need_before_ltb == 480  # 30 x 16 months to the LTB date
    assert e.need_after_ltb == 960  # 30 x 32 months after it
    assert e.shortfall_before_ltb == 0
    assert e.stock_at_ltb == 520  # 1000 - 480
    assert e.ltb_need == e.ltb_quantity == 536  # ceil(960 x 1.1 - 520)
    assert e.ltb_cost == Decimal("268.00")  # 536 x 0.50
    assert e.uncovered == 440  # 960 - 520
    assert e.revenue_at_risk == Decimal("14666.67")  # 440 / 3 per unit x 100.00


def test_the_window_between_ltb_and_last_ship_is_in_the_buy() -> None:
    # Last ship six months after the LTB date: those months are still bought at the LTB date.
    late_ship = window(last_ship=LTB + timedelta(days=183))
    e = compute_exposure([P1], late_ship, stock(1000), horizon_months=60, safety=SAFETY)
    assert e.need_after_ltb == 960
    assert e.ltb_quantity == 536


def test_shortfall_before_the_ltb_is_its_own_line() -> None:
    short = compute_exposure([P1], window(), stock(300), horizon_months=60, safety=SAFETY)
    assert short.shortfall_before_ltb == 180  # 480 - 300, bought through regular orders
    assert short.shortfall_cost == Decimal("90.00")  # 180 x 0.50
    assert short.stock_at_ltb == 0
    assert short.ltb_quantity == 1056  # ceil(960 x 1.1 - 0)
    assert short.uncovered == 960
    assert short.revenue_at_risk == Decimal("32000.00")  # 960 / 3 x 100.00
    # With 500 in stock 20 are left at the LTB date: a smaller buy than with none.
    some = compute_exposure([P1], window(), stock(500), horizon_months=60, safety=SAFETY)
    none = compute_exposure([P1], window(), stock(0), horizon_months=60, safety=SAFETY)
    assert (some.ltb_quantity, none.ltb_quantity) == (1036, 1056)
    assert (some.shortfall_before_ltb, none.shortfall_before_ltb) == (Decimal(0), Decimal(480))


@pytest.mark.parametrize(
    ("moq", "multiple", "expected"),
    [
        (0, 0, 536),  # no terms
        (1000, 0, 1000),  # raised to the MOQ
        (0, 250, 750),  # ceil(536 / 250) x 250
        (600, 250, 750),  # 600 (MOQ), then rounded to 750
        (100, 1, 536),  # already above the MOQ, multiple 1
    ],
)
def test_moq_and_order_multiple(moq: int, multiple: int, expected: int) -> None:
    e = compute_exposure(
        [P1],
        window(),
        stock(1000),
        horizon_months=60,
        safety=SAFETY,
        terms=OrderingTerms(moq, multiple),
    )
    assert e.ltb_need == 536
    assert e.ltb_quantity == expected
    assert e.ltb_cost == Decimal(expected) * Decimal("0.50")


def test_no_terms_on_a_zero_buy() -> None:
    assert OrderingTerms(1000, 250).round_up(0) == 0


def test_ltb_passed_counts_from_as_of() -> None:
    # LTB 2024-06-01 passed: nothing before it; 48 months from as_of to 2029-01-01 after it.
    passed = window(ltb=date(2024, 6, 1), last_ship=date(2024, 12, 1))
    e = compute_exposure([P1], passed, stock(1000), horizon_months=60, safety=SAFETY)
    assert passed.ltb_passed
    assert e.pivot == AS_OF
    assert e.need_before_ltb == 0
    assert e.need_after_ltb == 1440  # 30 x 48
    assert e.stock_at_ltb == 1000
    assert e.ltb_need == 584  # ceil(1440 x 1.1 - 1000): what brokers would have to supply
    assert e.uncovered == 440


def test_a_notice_arriving_two_years_late() -> None:
    # Issued 2023-01-01 with last ship 2024-01-01, received 2025-06-01; 3,000 in stock, 100 a
    # month until 2028-01-01 (944 days = 31.014 months). The LTB date (inferred 2023-07-01)
    # has long passed: only what is needed from the day it arrived counts.
    dates = effective_dates(date(2023, 1, 1), None, date(2024, 1, 1), announced=date(2025, 6, 1))
    assert (dates.last_time_buy, dates.inferred) == (date(2023, 7, 1), ("last_time_buy",))
    as_of = date(2025, 6, 1)
    late = Window(as_of, dates.last_time_buy, dates.last_ship, dates.inferred)
    p = use("L", "1", "100", "50.00", date(2028, 1, 1))
    e = compute_exposure([p], late, stock(3000), horizon_months=60, safety=SAFETY)
    assert whole(e.need_after_ltb) == 3101  # 100 x 944 / 30.4375 = 3101.44
    assert e.need_before_ltb == 0
    assert whole(e.uncovered) == 101  # about 100 really short, not 4,800
    assert e.ltb_need == 412  # ceil(3101.44 x 1.1 - 3000) = ceil(411.58)
    assert e.revenue_at_risk == Decimal("5071.87")  # 101.437 x 50.00


def test_support_ending_before_the_ltb_date() -> None:
    # LTB 32 months ahead, support ends after 16: everything is needed before the LTB date.
    p = use("S", "3", "10", "100.00", LTB)
    far = window(ltb=AS_OF + timedelta(days=974))
    e = compute_exposure([p], far, stock(300), horizon_months=60, safety=SAFETY)
    assert e.need_before_ltb == 480
    assert e.need_after_ltb == 0
    assert e.shortfall_before_ltb == 180
    assert e.shortfall_cost == Decimal("90.00")
    assert (e.ltb_need, e.ltb_quantity) == (0, 0)
    assert e.uncovered == e.revenue_at_risk == 0


def test_two_products_share_the_uncovered_quantity() -> None:
    # A: 2 x 5 = 10/month, 16 months after the LTB -> 160; B: 1 x 40 = 40/month, 32 -> 1280.
    a = use("A", "2", "5", "50.00", LTB + timedelta(days=487))
    b = use("B", "1", "40", "10.00", END)
    e = compute_exposure([a, b], window(), stock(1000, "1"), horizon_months=60, safety=SAFETY)
    assert e.need_before_ltb == 160 + 640
    assert e.need_after_ltb == 160 + 1280
    assert e.stock_at_ltb == 200
    assert e.uncovered == 1240
    assert e.ltb_quantity == 1384  # ceil(1440 x 1.1 - 200)
    # A: 160/1440 of 1240 parts = 137.78 parts / 2 per unit x 50.00 = 3444.44
    # B: 1280/1440 of 1240 = 1102.22 parts / 1 x 10.00 = 11022.22
    assert e.revenue_at_risk == Decimal("14466.67")
    by_sku = {p.use.sku: p.revenue_at_risk for p in e.products}
    assert round(by_sku["A"], 2) == Decimal("3444.44")
    assert round(by_sku["B"], 2) == Decimal("11022.22")


def test_stock_that_covers_everything_needs_no_buy() -> None:
    e = compute_exposure([P1], window(), stock(5000, "2"), horizon_months=60, safety=SAFETY)
    assert e.stock_at_ltb == 5000 - 480
    assert e.ltb_quantity == 0
    assert e.uncovered == e.ltb_cost == e.revenue_at_risk == 0


def test_no_end_of_support_uses_the_horizon() -> None:
    p = use("P", "1", "10", "20", None)
    e = compute_exposure([p], window(), Stock(), horizon_months=24, safety=SAFETY)
    end = date(2027, 1, 1)
    assert e.products[0].support_end == end
    assert e.need_after_ltb == 10 * months(LTB, end)


def test_zero_demand_and_no_products_give_zero_without_dividing_by_zero() -> None:
    p = use("P", "1", "0", "20", None)
    for uses in ([p], []):
        e = compute_exposure(uses, window(), stock(10, "1"), horizon_months=60, safety=SAFETY)
        assert e.ltb_quantity == 0
        assert e.need_after_ltb == e.revenue_at_risk == 0


def test_several_paths_add_up_in_eff_qty() -> None:
    p = ProductUse(
        "P",
        "P",
        Decimal(10),
        Decimal(10),
        LTB + timedelta(days=487),
        Decimal(10),
        (BomPath(("P", "A", "X"), Decimal(2)), BomPath(("P", "B", "X"), Decimal(8))),
    )
    e = compute_exposure([p], window(), Stock(), horizon_months=60, safety=SAFETY)
    assert e.need_before_ltb == 10 * 10 * 16


def test_need_between_stops_at_each_products_support_end() -> None:
    p = use("P", "2", "5", "1", LTB + timedelta(days=487))
    e = compute_exposure([p], window(), Stock(), horizon_months=60, safety=SAFETY)
    assert need_between(e.products, LTB, LTB + timedelta(days=974)) == 160


class TestJstd048:
    """Missing dates from the issue date; an inferred date never contradicts a stated one."""

    ISSUE = date(2025, 1, 1)
    RECEIVED = date(2025, 3, 10)

    def test_nothing_stated(self) -> None:
        d = effective_dates(self.ISSUE, None, None, announced=self.RECEIVED)
        assert (d.last_time_buy, d.last_ship) == (date(2025, 7, 1), date(2026, 1, 1))
        assert d.inferred == ("last_time_buy", "last_ship")

    def test_a_stated_ltb_later_than_issue_plus_12_months_moves_the_last_ship(self) -> None:
        # The case of the issue: LTB 2026-06-30 and no last ship gave a last ship 2026-01-01.
        d = effective_dates(self.ISSUE, date(2026, 6, 30), None, announced=self.RECEIVED)
        assert (d.last_time_buy, d.last_ship) == (date(2026, 6, 30), date(2026, 6, 30))
        assert d.inferred == ("last_ship",)

    def test_the_inferred_ltb_is_capped_at_a_stated_last_ship(self) -> None:
        d = effective_dates(self.ISSUE, None, date(2025, 5, 1), announced=self.RECEIVED)
        assert (d.last_time_buy, d.last_ship) == (date(2025, 5, 1), date(2025, 5, 1))
        assert d.inferred == ("last_time_buy",)

    def test_without_an_issue_date_the_receipt_day_counts(self) -> None:
        d = effective_dates(None, None, None, announced=self.RECEIVED)
        assert (d.issue, d.last_time_buy, d.last_ship) == (
            self.RECEIVED,
            date(2025, 9, 10),
            date(2026, 3, 10),
        )


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [(date(2025, 1, 31), 1, date(2025, 2, 28)), (date(2024, 11, 15), 14, date(2026, 1, 15))],
)
def test_add_months_clamps_to_the_month_end(day: date, count: int, expected: date) -> None:
    assert add_months(day, count) == expected
