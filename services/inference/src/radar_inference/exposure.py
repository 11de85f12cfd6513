"""The exposure math: how many parts we still need, before and after the last-time-buy date.

Pure and exact (``Decimal``): the same catalog, notice and day always give the same numbers, and
the formulas read as in docs/impact.md. No order can be placed after the LTB date, so the LTB
date is the pivot: demand before it can still be met by regular orders, demand after it only by
what is in stock then plus the last-time buy. Quantities are rounded only when shown; money to
cents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from radar_common.notices.dates import NoticeDates, add_months
from radar_inference.where_used import ProductUse, Stock

DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12
CENT = Decimal("0.01")


def months(a: date, b: date) -> Decimal:
    """``max(0, days(b - a) / 30.4375)``."""
    return max(Decimal(0), Decimal((b - a).days) / DAYS_PER_MONTH)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def whole(value: Decimal) -> int:
    """A quantity as shown: rounded half up to a whole unit."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Window:
    """The dates of a notice as the math uses them, on the day of the assessment."""

    as_of: date  # the day of the assessment: receipt day first, today on re-assessment
    last_time_buy: date
    last_ship: date
    inferred: tuple[str, ...] = ()

    @property
    def ltb_passed(self) -> bool:
        """No order can be placed any more: the LTB date is before as_of."""
        return self.last_time_buy < self.as_of

    @property
    def pivot(self) -> date:
        """Where "after the LTB" starts: the LTB date, or as_of once it has passed."""
        return max(self.as_of, self.last_time_buy)


def window_of(dates: NoticeDates, as_of: date) -> Window:
    return Window(as_of, dates.last_time_buy, dates.last_ship, dates.inferred)


@dataclass(frozen=True)
class OrderingTerms:
    """A part's minimum order quantity and order multiple (0: none given)."""

    moq: int = 0
    multiple: int = 0

    def round_up(self, units: int) -> int:
        """``units`` raised to the MOQ, then rounded up to the order multiple (0 stays 0)."""
        if units <= 0:
            return 0
        units = max(units, self.moq)
        if self.multiple > 1:
            units = math.ceil(units / self.multiple) * self.multiple
        return units


@dataclass(frozen=True)
class ProductExposure:
    use: ProductUse
    support_end: date
    need_before_ltb: Decimal
    need_after_ltb: Decimal
    revenue_at_risk: Decimal = Decimal(0)


@dataclass(frozen=True)
class Exposure:
    """The numbers of one assessment (exact; round with :func:`whole` / :func:`cents`)."""

    products: tuple[ProductExposure, ...]
    need_before_ltb: Decimal
    need_after_ltb: Decimal
    available: int
    shortfall_before_ltb: Decimal
    shortfall_cost: Decimal
    stock_at_ltb: Decimal
    uncovered: Decimal
    ltb_need: int  # before the ordering terms
    ltb_quantity: int  # raised to the MOQ and rounded to the order multiple
    ltb_cost: Decimal
    revenue_at_risk: Decimal
    pivot: date


def support_end(use: ProductUse, as_of: date, horizon_months: int) -> date:
    """A product's end of support, else as_of + the planning horizon."""
    return use.end_of_support or add_months(as_of, horizon_months)


def compute_exposure(
    uses: Sequence[ProductUse],
    window: Window,
    stock: Stock,
    *,
    horizon_months: int,
    safety: Decimal,
    terms: OrderingTerms = OrderingTerms(),
) -> Exposure:
    """Apply the formulas of docs/impact.md to the products that use the part."""
    as_of, ltb, pivot = window.as_of, window.last_time_buy, window.pivot
    rows = []
    for use in uses:
        end = support_end(use, as_of, horizon_months)
        rate = use.eff_qty * use.monthly_demand
        rows.append(
            ProductExposure(
                use=use,
                support_end=end,
                need_before_ltb=rate * months(as_of, min(ltb, end)),
                need_after_ltb=rate * months(pivot, end),
            )
        )
    need_before = sum((r.need_before_ltb for r in rows), Decimal(0))
    need_after = sum((r.need_after_ltb for r in rows), Decimal(0))
    available = Decimal(stock.available)
    shortfall = max(Decimal(0), need_before - available)
    stock_at_ltb = max(Decimal(0), available - need_before)
    ltb_need = max(0, math.ceil(need_after * (1 + safety) - stock_at_ltb))
    ltb_quantity = terms.round_up(ltb_need)
    uncovered = max(Decimal(0), need_after - stock_at_ltb)
    products = []
    for r in rows:
        risk = Decimal(0)
        if need_after > 0:
            share = r.need_after_ltb / need_after
            risk = share * uncovered / r.use.eff_qty * r.use.unit_price
        products.append(
            ProductExposure(r.use, r.support_end, r.need_before_ltb, r.need_after_ltb, risk)
        )
    return Exposure(
        products=tuple(products),
        need_before_ltb=need_before,
        need_after_ltb=need_after,
        available=stock.available,
        shortfall_before_ltb=shortfall,
        shortfall_cost=cents(shortfall * stock.unit_price),
        stock_at_ltb=stock_at_ltb,
        uncovered=uncovered,
        ltb_need=ltb_need,
        ltb_quantity=ltb_quantity,
        ltb_cost=cents(ltb_quantity * stock.unit_price),
        revenue_at_risk=cents(sum((p.revenue_at_risk for p in products), Decimal(0))),
        pivot=pivot,
    )


def need_between(uses: Sequence[ProductExposure], start: date, end: date) -> Decimal:
    """Parts needed from ``start`` to ``end`` (each product only until its support ends)."""
    return sum(
        (
            p.use.eff_qty * p.use.monthly_demand * months(start, min(end, p.support_end))
            for p in uses
        ),
        Decimal(0),
    )
