"""What to do about an exposure: the options with their cost, the recommendation, the grade.

The rules are deliberately simple and every constant is a setting (docs/impact.md lists them):
a procurement lead must be able to predict the answer from the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from radar_common.notices.dates import add_months
from radar_common.notices.severity import Severity, least_severe
from radar_inference.exposure import (
    Exposure,
    OrderingTerms,
    Window,
    cents,
    months,
    need_between,
    whole,
)
from radar_inference.settings import InferenceSettings
from radar_inference.where_used import AlternatePart, Stock

# Notices that are not real obsolescence: informational whatever the exposure.
INFORMATIONAL_KINDS = frozenset({"packing_withdrawal", "reactivation", "retraction"})


@dataclass(frozen=True)
class Option:
    action: str
    cost: Decimal
    description: str
    quantity: int = 0


@dataclass(frozen=True)
class Decision:
    recommended_action: str
    options: tuple[Option, ...]  # the recommended one first, then the others by cost
    severity: str
    risk_score: float


def _money(settings: InferenceSettings, value: Decimal) -> str:
    return f"{settings.currency} {cents(value):,.2f}"


def _regular_orders(exposure: Exposure, window: Window, settings: InferenceSettings) -> str:
    """The sentence about the shortfall before the LTB date (empty when there is none)."""
    short = whole(exposure.shortfall_before_ltb)
    if short <= 0:
        return ""
    return (
        f" Before {window.last_time_buy}, {short:,} more units than stock and open orders "
        f"must come through regular orders ({_money(settings, exposure.shortfall_cost)})."
    )


def broker_cost(units: int, stock: Stock, settings: InferenceSettings) -> Decimal:
    """Parts bought from brokers/aftermarket: the unit price plus the configured premium."""
    return cents(units * stock.unit_price * (1 + settings.broker_premium))


def options_for(
    exposure: Exposure,
    window: Window,
    stock: Stock,
    alternates: Sequence[AlternatePart],
    settings: InferenceSettings,
    terms: OrderingTerms = OrderingTerms(),  # noqa: B008 - frozen, shared safely
) -> list[Option]:
    """Every resolution that applies, each with its cost."""

    def money(value: Decimal) -> str:
        return _money(settings, value)

    uncovered = whole(exposure.uncovered)
    regular = _regular_orders(exposure, window, settings)
    after = "from the LTB date" if not window.ltb_passed else f"from {window.as_of}"
    found = [
        Option(
            "accept",
            exposure.revenue_at_risk,
            f"Do nothing: {uncovered:,} units of demand {after} to the end of support stay "
            f"uncovered; {money(exposure.revenue_at_risk)} of product revenue is at risk."
            + regular,
        )
    ]
    if not window.ltb_passed and exposure.ltb_quantity > 0:
        terms_note = ""
        if exposure.ltb_quantity != exposure.ltb_need:
            terms_note = (
                f" ({exposure.ltb_need:,} needed, raised to the part's minimum order "
                f"{terms.moq:,} and order multiple {terms.multiple:,})"
            )
        found.append(
            Option(
                "last_time_buy",
                exposure.ltb_cost,
                f"Order {exposure.ltb_quantity:,} units by {window.last_time_buy}{terms_note} "
                f"({money(exposure.ltb_cost)}): demand from the LTB date to the end of "
                f"support with a {settings.ltb_safety:.0%} margin, less the "
                f"{whole(exposure.stock_at_ltb):,} left in stock then." + regular,
                exposure.ltb_quantity,
            )
        )
    if window.ltb_passed and exposure.ltb_need > 0 and stock.unit_price > 0:
        # Without a known unit price a broker buy cannot be costed: not offered.
        cost = broker_cost(exposure.ltb_need, stock, settings)
        found.append(
            Option(
                "broker_buy",
                cost,
                f"The last-time-buy date {window.last_time_buy} has passed: buy "
                f"{exposure.ltb_need:,} units from brokers or the aftermarket ({money(cost)} at "
                f"{settings.broker_premium:.0%} over the unit price; check authenticity).",
                exposure.ltb_need,
            )
        )
    if alternates:
        best = alternates[0]
        cost = settings.cost_switch_qualified if best.qualified else settings.cost_qualify_alternate
        state = "already qualified" if best.qualified else "to be qualified"
        found.append(
            Option(
                "switch_to_alternate",
                cost,
                f"Switch to {best.mpn} ({best.manufacturer or 'same maker'}, {state}); "
                f"{money(cost)} non-recurring.",
            )
        )
        if not best.qualified and not window.ltb_passed:
            # Cover demand from the LTB date until the alternate is qualified.
            start = exposure.pivot
            bridge = need_between(
                exposure.products, start, add_months(start, settings.bridge_months)
            )
            units = terms.round_up(
                max(0, math.ceil(bridge * (1 + settings.ltb_safety) - exposure.stock_at_ltb))
            )
            cost = cents(units * stock.unit_price) + settings.cost_qualify_alternate
            found.append(
                Option(
                    "bridge_buy",
                    cost,
                    f"Order {units:,} units by {window.last_time_buy} to cover "
                    f"{settings.bridge_months} months while {best.mpn} is qualified "
                    f"({money(cost)} with qualification).",
                    units,
                )
            )
    found.append(
        Option(
            "redesign",
            settings.cost_redesign,
            f"Redesign the affected assemblies without the part ({money(settings.cost_redesign)}).",
        )
    )
    return found


def recommend(
    exposure: Exposure,
    window: Window,
    alternates: Sequence[AlternatePart],
    options: Sequence[Option] = (),
    lifecycle_status: str = "",
) -> str:
    """The first rule that holds (docs/impact.md, "What to do")."""
    if not exposure.products:
        return "none"
    if exposure.ltb_need == 0:
        return "accept"  # stock and open orders cover demand after the LTB date
    if any(a.qualified for a in alternates):
        return "switch_to_alternate"
    if lifecycle_status == "nrnd" and "last_time_buy" in window.inferred:
        # Still made and no last-time buy announced: the J-STD-048 date is only a horizon.
        # Buying a lifetime's stock now would spend money on a part nobody is withdrawing.
        return "switch_to_alternate" if alternates else "accept"
    if not window.ltb_passed:
        return "last_time_buy"
    # Too late to buy from the maker: the cheapest of brokers, an alternate, a redesign.
    late = [o for o in options if o.action in ("broker_buy", "switch_to_alternate", "redesign")]
    return min(late, key=lambda o: o.cost).action if late else "redesign"


def risk_score(
    exposure: Exposure,
    window: Window,
    alternates: Sequence[AlternatePart],
    settings: InferenceSettings,
) -> float:
    """0..1: how much is exposed (uncovered share or revenue), scaled up as the LTB nears."""
    if not exposure.products:
        return 0.0
    if window.ltb_passed:
        urgency = 1.0
    else:
        ahead = float(months(window.as_of, window.last_time_buy))
        urgency = max(0.0, 1.0 - ahead / settings.risk_urgency_months)
    need = exposure.need_after_ltb
    gap = float(exposure.uncovered / need) if need else 0.0
    money = min(1.0, float(exposure.revenue_at_risk / settings.risk_revenue_scale))
    floor = settings.risk_urgency_floor
    score = max(gap, money) * (floor + (1.0 - floor) * urgency)
    if any(a.qualified for a in alternates):
        score *= settings.risk_alternate_factor
    return round(min(1.0, max(0.0, score)), 4)


def severity_of(
    score: float,
    exposure: Exposure,
    notice_kind: str,
    lifecycle_status: str,
    settings: InferenceSettings,
) -> Severity:
    """Grade from the score, capped by what kind of notice it is."""
    if not exposure.products or notice_kind in INFORMATIONAL_KINDS:
        return "info"
    if notice_kind == "lifecycle_change" and lifecycle_status == "active":
        return "info"
    grade: Severity
    if score >= settings.severity_critical:
        grade = "critical"
    elif score >= settings.severity_high:
        grade = "high"
    elif score >= settings.severity_medium:
        grade = "medium"
    else:
        grade = "low"
    cap: Severity = "critical"
    if notice_kind == "change" or exposure.ltb_need == 0:
        cap = "low"  # a PCN is not a discontinuance; covered demand is not a shortage
    elif lifecycle_status == "nrnd":
        cap = "medium"  # still made: time to act, not an emergency
    return least_severe(grade, cap)


def decide(
    exposure: Exposure,
    window: Window,
    stock: Stock,
    alternates: Sequence[AlternatePart],
    notice_kind: str,
    lifecycle_status: str,
    settings: InferenceSettings,
    terms: OrderingTerms = OrderingTerms(),  # noqa: B008 - frozen, shared safely
) -> Decision:
    """The recommendation, every option with its cost, the risk score and the severity."""
    score = (
        0.0
        if notice_kind in INFORMATIONAL_KINDS
        else risk_score(exposure, window, alternates, settings)
    )
    severity = severity_of(score, exposure, notice_kind, lifecycle_status, settings)
    if not exposure.products:
        return Decision("none", (), severity, score)
    options = sorted(
        options_for(exposure, window, stock, alternates, settings, terms), key=lambda o: o.cost
    )
    action = recommend(exposure, window, alternates, options, lifecycle_status)
    first = [o for o in options if o.action == action]
    return Decision(
        action, tuple(first + [o for o in options if o.action != action]), severity, score
    )
