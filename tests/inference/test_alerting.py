"""Which alert an assessment carries: the re-alert thresholds and the kinds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from radar_common.contracts import Assessment
from radar_common.notices.assessments import Figures
from radar_common.notices.facts import Change
from radar_inference.alerting import choose_alert, money_moved
from radar_inference.settings import InferenceSettings

SETTINGS = InferenceSettings()  # re-alert above USD 1,000 and 10 %
BEFORE = Figures(
    "medium", "last_time_buy", 536, Decimal("268.00"), Decimal("14666.67"), date(2026, 5, 3), False
)


def now(**fields: object) -> Assessment:
    values: dict[str, object] = {
        "severity": "medium",
        "recommended_action": "last_time_buy",
        "ltb_quantity": 536,
        "ltb_cost": "268.00",
        "revenue_at_risk": "14666.67",
        "effective_last_time_buy_date": "2026-05-03",
    }
    values.update(fields)
    return Assessment(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("before", "after", "moved"),
    [
        ("14666.67", "15266.67", False),  # +600: under USD 1,000
        ("14666.67", "16666.67", True),  # +2,000 and +13.6 %
        ("100000.00", "108000.00", False),  # +8,000 but 8 %
        ("0.00", "1500.00", True),  # from nothing
    ],
)
def test_money_must_move_past_both_thresholds(before: str, after: str, moved: bool) -> None:
    assert money_moved(Decimal(before), Decimal(after), SETTINGS) is moved


def test_a_quiet_reassessment_is_recorded_without_an_alert() -> None:
    a = now(revenue_at_risk="14766.67")
    choose_alert(a, trigger="daily", previous=BEFORE, settings=SETTINGS)
    assert a.alert_kind == "none"
    assert [(c.field, c.before, c.after) for c in a.changes] == [
        ("revenue_at_risk", "14666.67", "14766.67")
    ]


def test_a_new_severity_or_action_alerts_unless_time_moved_a_decided_notice() -> None:
    a = now(severity="high")
    choose_alert(a, trigger="catalog", previous=BEFORE, settings=SETTINGS)
    assert a.alert_kind == "changed"
    decided = now(severity="high", state="decided")
    choose_alert(decided, trigger="daily", previous=BEFORE, settings=SETTINGS)
    assert decided.alert_kind == "none"
    by_catalog = now(recommended_action="accept", state="decided")
    choose_alert(by_catalog, trigger="catalog", previous=BEFORE, settings=SETTINGS)
    assert by_catalog.alert_kind == "changed"


def test_kinds_for_facts_reminders_and_first_assessments() -> None:
    first = now(review="pending")
    choose_alert(first, trigger="arrival", previous=None, settings=SETTINGS)
    assert first.alert_kind == "needs_review"
    revised = now()
    moved = Change("last_time_buy_date", "2026-05-03", "2026-08-01")
    choose_alert(
        revised, trigger="revision", previous=BEFORE, fact_changes=[moved], settings=SETTINGS
    )
    assert revised.alert_kind == "changed"
    assert [c.field for c in revised.changes] == ["last_time_buy_date"]
    late = now(ltb_passed=True)
    choose_alert(late, trigger="reminder", previous=BEFORE, settings=SETTINGS)
    assert late.alert_kind == "none"  # nothing to buy from the maker any more
    due = now()
    choose_alert(due, trigger="reminder", previous=BEFORE, settings=SETTINGS)
    assert due.alert_kind == "reminder"
