"""The deterministic narrative: what the numbers say, in a few plain sentences.

Every number it quotes is a field of the assessment, so the same check that guards the crew's
text (:mod:`radar_inference.honesty`) passes on it.
"""

from __future__ import annotations

from radar_common.contracts import Assessment

_KIND = {
    "discontinuance": "discontinues",
    "change": "announces a change to",
    "lifecycle_change": "reports a lifecycle change for",
    "packing_withdrawal": "withdraws a packing variant of",
    "reactivation": "reactivates",
    "retraction": "withdraws its notice for",
}
_ACTION = {
    "none": "No action: no product in the catalog uses this part.",
    "accept": "Accept: stock and open orders cover demand after the LTB date.",
    "switch_to_alternate": "Switch to the qualified alternate.",
    "last_time_buy": "Place a last-time buy.",
    "broker_buy": "Buy the missing parts from brokers or the aftermarket.",
    "redesign": "Redesign: the buy window has closed and no cheaper way exists.",
}


def _money(a: Assessment, value: str) -> str:
    return f"{a.currency} {float(value or 0):,.2f}"


def _dates(a: Assessment) -> str:
    inferred = f" (inferred: {', '.join(a.inferred_dates)})" if a.inferred_dates else ""
    return f"LTB {a.effective_last_time_buy_date}, last ship {a.effective_last_ship_date}{inferred}"


def deterministic_narrative(a: Assessment) -> str:
    """Summarise an assessment from its own fields (used as is, or when the crew fails)."""
    maker = a.manufacturer or "The manufacturer"
    kind = _KIND.get(a.notice_kind, "reports")
    notice = f" (notice {a.notice_number})" if a.notice_number else ""
    status = f", status {a.lifecycle_status}" if a.lifecycle_status else ""
    lines = [f"{maker} {kind} {a.mpn}{notice}{status}; {_dates(a)}."]
    if a.match_kind == "none":
        lines.append("The part is not in the catalog.")
        lines.append(_ACTION["none"])
        return " ".join(lines)
    if a.match_kind == "base":
        lines.append(f"Matched catalog part {a.matched_mpn} by base number.")
    if not a.where_used:
        lines.append(f"{a.matched_mpn} is in the catalog but no product with demand uses it.")
        lines.append(_ACTION["none"])
        return " ".join(lines)
    used = ", ".join(f"{w.sku} ({w.eff_qty:g} per unit)" for w in a.where_used[:5])
    more = f" and {len(a.where_used) - 5} more" if len(a.where_used) > 5 else ""
    lines.append(f"Used in {len(a.where_used)} product(s): {used}{more}.")
    ltb = a.effective_last_time_buy_date
    if a.ltb_passed:
        lines.append(
            f"The last-time-buy date {ltb} passed before {a.as_of}: from {a.as_of} to the end "
            f"of support demand is {a.need_after_ltb:,.0f} units against "
            f"{a.available_stock:,} in stock and on order."
        )
    else:
        lines.append(
            f"From {a.as_of} to the LTB date demand is {a.need_before_ltb:,.0f} units against "
            f"{a.available_stock:,} in stock and on order; after it, to the end of support, "
            f"{a.need_after_ltb:,.0f} units, with {a.stock_at_ltb:,.0f} left at the LTB date."
        )
    if a.shortfall_before_ltb:
        lines.append(
            f"{a.shortfall_before_ltb:,.0f} units are short before the LTB date: order them "
            f"through regular orders ({_money(a, a.shortfall_cost)})."
        )
    if a.ltb_need and not a.ltb_passed:
        lines.append(
            f"A last-time buy needs {a.ltb_quantity:,} units ({_money(a, a.ltb_cost)}) by {ltb}."
        )
    elif a.ltb_need:
        broker = next((o for o in a.options if o.action == "broker_buy"), None)
        if broker is not None:
            lines.append(
                f"Covering it from brokers takes {broker.quantity:,} units "
                f"({_money(a, broker.cost)})."
            )
    if float(a.revenue_at_risk or 0) > 0:
        lines.append(f"Doing nothing puts {_money(a, a.revenue_at_risk)} of revenue at risk.")
    action = _ACTION.get(a.recommended_action, a.recommended_action)
    if a.recommended_action == "switch_to_alternate":
        best = next((alt for alt in a.alternates if alt.qualified), None)
        if best is not None:
            action = f"Switch to the qualified alternate {best.mpn}."
        elif a.alternates:
            action = f"Qualify and switch to the alternate {a.alternates[0].mpn}."
    lines.append(f"Recommended: {action}")
    return " ".join(lines)
