"""The exposure math: how many parts we still need, before and after the last ship date.

Pure and exact (``Decimal``): the same catalog and notice always give the same numbers, and the
formulas read as in docs/impact.md. Quantities are rounded only when shown; money to cents.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from radar_inference.where_used import ProductUse, Stock

DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12
CENT = Decimal("0.01")
# J-STD-048 minimums from the announcement: 6 months to the last order, 12 to the last shipment.
JSTD048_LTB_MONTHS = 6
JSTD048_LSD_MONTHS = 12


def months(a: date, b: date) -> Decimal:
    """``max(0, days(b - a) / 30.4375)``."""
    return max(Decimal(0), Decimal((b - a).days) / DAYS_PER_MONTH)


def add_months(day: date, count: int) -> date:
    """The same day ``count`` calendar months later (clamped to the month's last day)."""
    index = day.month - 1 + count
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def whole(value: Decimal) -> int:
    """A quantity as shown: rounded half up to a whole unit."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Window:
    """The dates of a notice, as used by the math."""

    as_of: date  # the notice's issue date, else its receipt date
    received: date
    last_time_buy: date
    last_ship: date
    inferred: tuple[str, ...] = ()

    @property
    def ltb_open(self) -> bool:
        """An order can still be placed: the LTB date is not before the receipt date."""
        return self.last_time_buy >= self.received


def window_of(
    issue_date: date | None,
    received: date,
    last_time_buy: date | None,
    last_ship: date | None,
) -> Window:
    """Fill the dates a notice does not give.

    LSD: the notice's, else its LTB, else as_of + 12 months. LTB: the notice's, else
    as_of + 6 months (J-STD-048 minimums), capped at the LSD.
    """
    as_of = issue_date or received
    inferred: list[str] = []
    if last_ship is None:
        if last_time_buy is not None:
            last_ship = last_time_buy
        else:
            last_ship = add_months(as_of, JSTD048_LSD_MONTHS)
        inferred.append("last_ship")
    if last_time_buy is None:
        last_time_buy = min(add_months(as_of, JSTD048_LTB_MONTHS), last_ship)
        inferred.append("last_time_buy")
    return Window(as_of, received, last_time_buy, last_ship, tuple(inferred))


@dataclass(frozen=True)
class ProductExposure:
    use: ProductUse
    support_end: date
    need_until_lsd: Decimal
    need_after_lsd: Decimal
    revenue_at_risk: Decimal = Decimal(0)


@dataclass(frozen=True)
class Exposure:
    """The numbers of one assessment (exact; round with :func:`whole` / :func:`cents`)."""

    products: tuple[ProductExposure, ...]
    need_until_lsd: Decimal
    need_after_lsd: Decimal
    stock_left_at_lsd: Decimal
    uncovered: Decimal
    ltb_quantity: int
    ltb_cost: Decimal
    revenue_at_risk: Decimal
    lsd_used: date


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
) -> Exposure:
    """Apply the formulas of docs/impact.md to the products that use the part.

    A last ship date already past is taken as as_of: demand before as_of has been served from
    stock that is no longer counted in on_hand, so it must not be bought again.
    """
    as_of = window.as_of
    lsd = max(window.last_ship, as_of)
    rows = []
    for use in uses:
        end = support_end(use, as_of, horizon_months)
        rate = use.eff_qty * use.monthly_demand
        rows.append(
            ProductExposure(
                use=use,
                support_end=end,
                need_until_lsd=rate * months(as_of, min(lsd, end)),
                need_after_lsd=rate * months(lsd, end),
            )
        )
    need_until = sum((r.need_until_lsd for r in rows), Decimal(0))
    need_after = sum((r.need_after_lsd for r in rows), Decimal(0))
    stock_left = max(Decimal(0), Decimal(stock.available) - need_until)
    ltb_quantity = max(0, math.ceil(need_after * (1 + safety) - stock_left))
    uncovered = max(Decimal(0), need_after - stock_left)
    products = []
    for r in rows:
        risk = Decimal(0)
        if need_after > 0:
            share = r.need_after_lsd / need_after
            risk = share * uncovered / r.use.eff_qty * r.use.unit_price
        products.append(
            ProductExposure(r.use, r.support_end, r.need_until_lsd, r.need_after_lsd, risk)
        )
    return Exposure(
        products=tuple(products),
        need_until_lsd=need_until,
        need_after_lsd=need_after,
        stock_left_at_lsd=stock_left,
        uncovered=uncovered,
        ltb_quantity=ltb_quantity,
        ltb_cost=cents(ltb_quantity * stock.unit_price),
        revenue_at_risk=cents(sum((p.revenue_at_risk for p in products), Decimal(0))),
        lsd_used=lsd,
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
