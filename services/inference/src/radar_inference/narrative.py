"""The deterministic narrative: what the numbers say, in a few plain sentences."""

from __future__ import annotations

from radar_common.contracts import Assessment

_KIND = {
    "discontinuance": "discontinues",
    "change": "announces a change to",
    "lifecycle_change": "reports a lifecycle change for",
    "packing_withdrawal": "withdraws a packing variant of",
    "reactivation": "reactivates",
}
_ACTION = {
    "none": "No action: no product in the catalog uses this part.",
    "accept": "Accept: stock and open orders cover demand to the end of support.",
    "switch_to_alternate": "Switch to the qualified alternate.",
    "last_time_buy": "Place a last-time buy.",
    "redesign": "Redesign: the buy window has closed and no qualified alternate exists.",
}


def _money(a: Assessment, value: str) -> str:
    return f"{a.currency} {float(value or 0):,.2f}"


def deterministic_narrative(a: Assessment) -> str:
    """Summarise an assessment from its own fields (used as is, or when the crew fails)."""
    maker = a.manufacturer or "The manufacturer"
    kind = _KIND.get(a.notice_kind, "reports")
    notice = f" (notice {a.notice_number})" if a.notice_number else ""
    status = f", status {a.lifecycle_status}" if a.lifecycle_status else ""
    lines = [f"{maker} {kind} {a.mpn}{notice}{status}."]
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
    inferred = f" (inferred: {', '.join(a.inferred_dates)})" if a.inferred_dates else ""
    lsd = a.effective_last_ship_date
    if lsd < a.as_of:
        period = f"The last ship date {lsd}{inferred} is before {a.as_of}: no more supply, and"
    else:
        period = f"From {a.as_of} to the last ship date {lsd}{inferred} demand is "
        period += f"{a.need_until_lsd:,.0f} units; after it,"
    lines.append(
        f"{period} to the end of support demand is {a.need_after_lsd:,.0f} units. Stock and "
        f"open orders ({a.available_stock:,}) leave {a.stock_left_at_lsd:,.0f} at the last ship "
        f"date."
    )
    if a.ltb_quantity:
        can_buy = any(o.action == "last_time_buy" for o in a.options)
        cost = _money(a, a.ltb_cost)
        lines.append(
            f"A last-time buy needs {a.ltb_quantity:,} units ({cost}) by "
            f"{a.effective_last_time_buy_date}."
            if can_buy
            else f"The last-time-buy date {a.effective_last_time_buy_date} has passed; covering "
            f"demand would take {a.ltb_quantity:,} units ({cost})."
        )
    if float(a.revenue_at_risk or 0) > 0:
        lines.append(f"Doing nothing puts {_money(a, a.revenue_at_risk)} of revenue at risk.")
    action = _ACTION.get(a.recommended_action, a.recommended_action)
    if a.recommended_action == "switch_to_alternate":
        best = next((alt for alt in a.alternates if alt.qualified), None)
        if best is not None:
            action = f"Switch to the qualified alternate {best.mpn}."
    lines.append(f"Recommended: {action}")
    return " ".join(lines)
