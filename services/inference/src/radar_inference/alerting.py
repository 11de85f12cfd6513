"""Which alert an assessment carries, and what changed since the notice's previous one.

- ``arrival`` (a new record): ``needs_review`` when what was read must be checked, else ``new``;
- ``revision``, ``review``: ``changed``, with the facts and the figures that moved, old -> new;
- ``catalog``, ``daily``: ``changed`` only when the severity, the recommended action or whether
  the LTB date passed changes, or when LTB cost or revenue at risk moves by more than both
  ``RADAR_REALERT_MONEY_DELTA`` and ``RADAR_REALERT_MONEY_RATIO``; else ``none`` (recorded,
  not sent). Time alone (``daily``) does not alert about a decided notice: the decision was
  made knowing the date;
- ``reminder``: ``reminder``, or ``none`` when no last-time buy is needed any more;
- ``closed``: ``closed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from radar_common.contracts import Assessment
from radar_common.notices.assessments import Figures, figure_changes
from radar_common.notices.facts import Change
from radar_inference.settings import InferenceSettings

FACT_TRIGGERS = frozenset({"arrival", "revision", "review"})


def money_moved(before: Decimal, after: Decimal, settings: InferenceSettings) -> bool:
    delta = abs(after - before)
    if delta <= settings.realert_money_delta:
        return False
    return before == 0 or delta / abs(before) > settings.realert_money_ratio


def worth_alerting(before: Figures, after: Figures, settings: InferenceSettings) -> bool:
    """A re-assessment that did not change the facts alerts only when this holds."""
    if (before.severity, before.recommended_action, before.ltb_passed) != (
        after.severity,
        after.recommended_action,
        after.ltb_passed,
    ):
        return True
    return money_moved(before.ltb_cost, after.ltb_cost, settings) or money_moved(
        before.revenue_at_risk, after.revenue_at_risk, settings
    )


def choose_alert(
    a: Assessment,
    *,
    trigger: str,
    previous: Figures | None,
    fact_changes: Sequence[Change] = (),
    settings: InferenceSettings,
) -> None:
    """Set ``a.trigger``, ``a.alert_kind`` and ``a.changes`` (see the module doc)."""
    a.trigger = trigger
    now = Figures.of_assessment(a)
    changes: list[Change] = []
    if trigger == "reminder":
        kind = "reminder" if not a.ltb_passed and a.ltb_quantity > 0 else "none"
    elif trigger == "closed":
        kind = "closed"
    elif previous is None:
        kind = "needs_review" if a.review == "pending" else "new"
    elif trigger in FACT_TRIGGERS:
        kind = "changed"
        changes = [*fact_changes, *figure_changes(previous, now)]
    else:
        changes = figure_changes(previous, now)
        kind = "changed" if worth_alerting(previous, now, settings) else "none"
        if trigger == "daily" and a.state == "decided":
            kind = "none"
    a.alert_kind = kind
    del a.changes[:]
    for c in changes:
        a.changes.add(field=c.field, before=c.before, after=c.after)
