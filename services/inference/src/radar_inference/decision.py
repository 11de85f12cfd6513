"""What to do about an exposure: the options with their cost, the recommendation, the grade.

The rules are deliberately simple and every constant is a setting (docs/impact.md lists them):
a procurement lead must be able to predict the answer from the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from radar_inference.exposure import Exposure, Window, add_months, cents, months, need_between
from radar_inference.settings import InferenceSettings
from radar_inference.where_used import AlternatePart, Stock

SEVERITIES = ("info", "low", "medium", "high", "critical")
# Notices that are not real obsolescence: informational whatever the exposure.
INFORMATIONAL_KINDS = frozenset({"packing_withdrawal", "reactivation"})


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


def options_for(
    exposure: Exposure,
    window: Window,
    stock: Stock,
    alternates: Sequence[AlternatePart],
    settings: InferenceSettings,
) -> list[Option]:
    """Every resolution that applies, each with its cost."""

    def money(value: Decimal) -> str:
        return _money(settings, value)

    found = [
        Option(
            "accept",
            exposure.revenue_at_risk,
            f"Do nothing: {exposure.uncovered:,.0f} units of demand after the last ship date "
            f"stay uncovered; {money(exposure.revenue_at_risk)} of product revenue is at risk.",
        )
    ]
    if window.ltb_open and exposure.ltb_quantity > 0:
        found.append(
            Option(
                "last_time_buy",
                exposure.ltb_cost,
                f"Order {exposure.ltb_quantity:,} units by {window.last_time_buy} "
                f"({money(exposure.ltb_cost)}), enough to the end of support with a "
                f"{settings.ltb_safety:.0%} margin.",
                exposure.ltb_quantity,
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
        if not best.qualified and window.ltb_open:
            # Cover demand from the last ship date until the alternate is qualified.
            start = exposure.lsd_used
            bridge = need_between(
                exposure.products, start, add_months(start, settings.bridge_months)
            )
            units = max(
                0, math.ceil(bridge * (1 + settings.ltb_safety) - exposure.stock_left_at_lsd)
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


def recommend(exposure: Exposure, window: Window, alternates: Sequence[AlternatePart]) -> str:
    """none / accept / switch_to_alternate / last_time_buy / redesign, first rule that holds."""
    if not exposure.products:
        return "none"
    if exposure.ltb_quantity == 0:
        return "accept"  # stock and open orders cover demand to the end of support
    if any(a.qualified for a in alternates):
        return "switch_to_alternate"
    if window.ltb_open:
        return "last_time_buy"
    return "redesign"


def risk_score(
    exposure: Exposure,
    window: Window,
    alternates: Sequence[AlternatePart],
    settings: InferenceSettings,
) -> float:
    """0..1: how much is exposed (uncovered share or revenue), scaled up as the LTB nears."""
    if not exposure.products:
        return 0.0
    if window.ltb_open:
        ahead = float(months(window.received, window.last_time_buy))
        urgency = max(0.0, 1.0 - ahead / settings.risk_urgency_months)
    else:
        urgency = 1.0
    gap = float(exposure.uncovered / exposure.need_after_lsd) if exposure.need_after_lsd else 0.0
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
) -> str:
    """Grade from the score, capped by what kind of notice it is."""
    if not exposure.products or notice_kind in INFORMATIONAL_KINDS:
        return "info"
    if notice_kind == "lifecycle_change" and lifecycle_status == "active":
        return "info"
    if score >= settings.severity_critical:
        grade = "critical"
    elif score >= settings.severity_high:
        grade = "high"
    elif score >= settings.severity_medium:
        grade = "medium"
    else:
        grade = "low"
    cap = "critical"
    if notice_kind == "change" or exposure.ltb_quantity == 0:
        cap = "low"  # a PCN is not a discontinuance; covered demand is not a shortage
    elif lifecycle_status == "nrnd":
        cap = "medium"  # still made: time to act, not an emergency
    return min(grade, cap, key=SEVERITIES.index)


def decide(
    exposure: Exposure,
    window: Window,
    stock: Stock,
    alternates: Sequence[AlternatePart],
    notice_kind: str,
    lifecycle_status: str,
    settings: InferenceSettings,
) -> Decision:
    """The recommendation, every option with its cost, the risk score and the severity."""
    action = recommend(exposure, window, alternates)
    score = (
        0.0
        if notice_kind in INFORMATIONAL_KINDS
        else risk_score(exposure, window, alternates, settings)
    )
    severity = severity_of(score, exposure, notice_kind, lifecycle_status, settings)
    if action == "none":
        return Decision(action, (), severity, score)
    options = sorted(
        options_for(exposure, window, stock, alternates, settings), key=lambda o: o.cost
    )
    first = [o for o in options if o.action == action]
    return Decision(
        action, tuple(first + [o for o in options if o.action != action]), severity, score
    )
