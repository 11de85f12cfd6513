"""Recommendation, options with costs, risk score and severity."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from radar_inference.decision import decide, recommend
from radar_inference.exposure import Exposure, Window, compute_exposure
from radar_inference.settings import InferenceSettings
from radar_inference.where_used import AlternatePart, BomPath, ProductUse, Stock

AS_OF = date(2025, 1, 1)
LSD = AS_OF + timedelta(days=487)  # 16 months: used as the LTB date when the window is open
SETTINGS = InferenceSettings()
QUALIFIED = AlternatePart("ALT1", "Maker", True)
CANDIDATE = AlternatePart("ALT2", "Maker", False)


def product(demand: str = "10") -> ProductUse:
    return ProductUse(
        "P",
        "P",
        Decimal(100),
        Decimal(demand),
        LSD + timedelta(days=974),
        Decimal(3),
        (BomPath(("P", "X"), Decimal(3)),),
    )


def window(ltb: date) -> Window:
    return Window(as_of=AS_OF, last_time_buy=ltb, last_ship=max(ltb, LSD))


def exposure(
    stock: int = 1000, uses: list[ProductUse] | None = None, w: Window | None = None
) -> Exposure:
    return compute_exposure(
        [product()] if uses is None else uses,
        w or window(LSD),
        Stock(stock, 0, Decimal("0.50"), True),
        horizon_months=60,
        safety=Decimal("0.10"),
    )


def test_rules_in_order() -> None:
    open_window = window(LSD)
    closed = window(AS_OF - timedelta(days=1))
    assert recommend(exposure(uses=[]), open_window, [QUALIFIED]) == "none"
    assert recommend(exposure(stock=100_000), open_window, [QUALIFIED]) == "accept"
    assert recommend(exposure(), open_window, [CANDIDATE, QUALIFIED]) == "switch_to_alternate"
    assert recommend(exposure(), open_window, [CANDIDATE]) == "last_time_buy"
    late = decide(exposure(w=closed), closed, STOCK, [], "discontinuance", "eol", SETTINGS)
    assert late.recommended_action == "broker_buy"  # cheaper than a redesign here


def test_an_nrnd_part_without_an_announced_ltb_is_not_bought_for_a_lifetime() -> None:
    """NRND is still made: an inferred LTB date is a horizon, not a deadline to buy by."""
    open_window = window(LSD)
    horizon = replace(open_window, inferred=("last_time_buy", "last_ship"))
    assert recommend(exposure(), horizon, [CANDIDATE], lifecycle_status="nrnd") == (
        "switch_to_alternate"
    )
    assert recommend(exposure(), horizon, [], lifecycle_status="nrnd") == "accept"
    # An NRND notice that does announce an LTB date is acted on like any other.
    assert recommend(exposure(), open_window, [], lifecycle_status="nrnd") == "last_time_buy"
    # A discontinuance with an inferred date still gets its last-time buy.
    assert recommend(exposure(), horizon, [], lifecycle_status="eol") == "last_time_buy"


STOCK = Stock(1000, 0, Decimal("0.50"), True)


def test_options_carry_costs_and_the_recommendation_comes_first() -> None:
    w = window(LSD)
    e = exposure(w=w)
    d = decide(e, w, STOCK, [CANDIDATE], "discontinuance", "eol", SETTINGS)
    assert d.recommended_action == "last_time_buy"
    costs = {o.action: o.cost for o in d.options}
    assert d.options[0].action == "last_time_buy"
    assert costs["last_time_buy"] == Decimal("268.00")
    assert costs["accept"] == Decimal("14666.67")
    assert costs["switch_to_alternate"] == SETTINGS.cost_qualify_alternate
    assert costs["redesign"] == SETTINGS.cost_redesign
    assert "broker_buy" not in costs  # the LTB date is ahead
    # Bridge: 6 months after the LTB at 30/month = 180 x 1.1 = 198 < 520 left: nothing to buy.
    assert costs["bridge_buy"] == SETTINGS.cost_qualify_alternate
    rest = [o.cost for o in d.options[1:]]
    assert rest == sorted(rest)
    ltb = next(o for o in d.options if o.action == "last_time_buy")
    assert "from the LTB date to the end of support" in ltb.description
    assert "regular orders" not in ltb.description  # no shortfall before the LTB date


def test_a_shortfall_before_the_ltb_is_named_in_the_options() -> None:
    w = window(LSD)
    e = exposure(stock=300, w=w)
    d = decide(e, w, Stock(300, 0, Decimal("0.50"), True), [], "discontinuance", "eol", SETTINGS)
    ltb = next(o for o in d.options if o.action == "last_time_buy")
    assert ltb.quantity == 1056
    assert "180 more units than stock and open orders" in ltb.description
    assert "USD 90.00" in ltb.description


def test_a_passed_ltb_offers_brokers_an_alternate_or_a_redesign() -> None:
    closed = window(AS_OF - timedelta(days=1))
    e = exposure(w=closed)
    d = decide(e, closed, STOCK, [CANDIDATE], "discontinuance", "eol", SETTINGS)
    costs = {o.action: o.cost for o in d.options}
    assert set(costs) == {"accept", "broker_buy", "switch_to_alternate", "redesign"}
    # 48 months x 30 = 1440 x 1.1 - 1000 = 584 units at 0.50 x (1 + 1.5)
    broker = next(o for o in d.options if o.action == "broker_buy")
    assert (broker.quantity, broker.cost) == (584, Decimal("730.00"))
    assert "has passed" in broker.description
    assert d.recommended_action == "broker_buy"
    assert d.options[0].action == "broker_buy"
    dear = InferenceSettings(broker_premium=Decimal(1000))
    assert (
        decide(e, closed, STOCK, [CANDIDATE], "discontinuance", "eol", dear).options[0].action
        == "switch_to_alternate"
    )


def test_severity_is_info_without_products_or_for_packing_withdrawals() -> None:
    w = window(AS_OF + timedelta(days=30))
    none = decide(exposure(uses=[]), w, Stock(), [], "discontinuance", "eol", SETTINGS)
    assert (none.severity, none.risk_score, none.options) == ("info", 0.0, ())
    packing = decide(exposure(w=w), w, Stock(), [], "packing_withdrawal", "eol", SETTINGS)
    assert packing.severity == "info"
    assert packing.risk_score == 0.0


def test_an_urgent_uncovered_discontinuance_is_critical_and_an_alternate_lowers_it() -> None:
    w = window(AS_OF - timedelta(days=1))  # the buy window has closed
    big = [
        ProductUse(
            "P",
            "P",
            Decimal(5000),
            Decimal(500),
            LSD + timedelta(days=974),
            Decimal(3),
            (BomPath(("P", "X"), Decimal(3)),),
        )
    ]
    e = exposure(stock=0, uses=big, w=w)
    alone = decide(e, w, Stock(), [], "discontinuance", "obsolete", SETTINGS)
    assert alone.recommended_action == "redesign"  # no unit price: no broker buy to cost
    assert alone.severity == "critical"
    assert alone.risk_score == 1.0
    helped = decide(e, w, Stock(), [QUALIFIED], "discontinuance", "obsolete", SETTINGS)
    assert helped.risk_score == 0.6
    assert helped.severity == "high"


def test_caps_for_changes_nrnd_and_covered_demand() -> None:
    w = window(AS_OF - timedelta(days=1))
    big = [
        ProductUse(
            "P",
            "P",
            Decimal(5000),
            Decimal(500),
            LSD + timedelta(days=974),
            Decimal(3),
            (BomPath(("P", "X"), Decimal(3)),),
        )
    ]
    e = exposure(stock=0, uses=big, w=w)
    assert decide(e, w, Stock(), [], "change", "active", SETTINGS).severity == "low"
    assert decide(e, w, Stock(), [], "lifecycle_change", "nrnd", SETTINGS).severity == "medium"
    covered = exposure(stock=10**9, uses=big, w=w)
    assert decide(covered, w, Stock(), [], "discontinuance", "eol", SETTINGS).severity == "low"
