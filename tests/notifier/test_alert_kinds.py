"""The kinds of alert (new, needs review, changed, reminder, closed) and the engine line, in
every channel, and the documented examples of docs/alerts.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from radar_notifier.alert import build_alert
from radar_notifier.formats.slack import render_slack
from radar_notifier.formats.teams import render_teams
from radar_notifier.formats.text import render_text
from radar_notifier.formats.webhook import render_webhook
from tests.notifier.samples import RECORD, assessment, kinds

PUBLIC = "https://radar.example.com"
DOC = Path(__file__).parents[2] / "docs" / "alerts.md"


def channels(name: str) -> dict[str, str]:
    a = kinds()[name] if name != "new" else assessment(as_of="2026-11-22")
    alert = build_alert(a, public_url=PUBLIC)
    return {
        "text": render_text(alert),
        "slack": json.dumps(render_slack(alert), ensure_ascii=False),
        "teams": json.dumps(render_teams(alert), ensure_ascii=False),
        "webhook": json.dumps(render_webhook(alert, a), ensure_ascii=False),
    }


@pytest.mark.parametrize("name", ["new", "needs_review", "changed", "reminder", "closed"])
def test_every_channel_says_which_engine_wrote_the_text(name: str) -> None:
    for channel, body in channels(name).items():
        assert "Text: " in body, channel
    crew = channels("changed")
    for channel, body in crew.items():
        assert "Text: LLM crew (every number from the rules engine)" in body, channel


def test_a_pending_review_is_not_shown_as_a_confirmed_eol() -> None:
    alert = build_alert(kinds()["needs_review"], public_url=PUBLIC)
    assert alert.title == "NEEDS REVIEW: EXR12-33DBVR (Example Semiconductor)"
    assert "not confirmed" in alert.headline
    assert "MEDIUM" not in alert.title
    for channel, body in channels("needs_review").items():
        assert "NEEDS REVIEW" in body, channel
        assert "last-time-buy date ambiguous: 03/04/2027" in body, channel


def test_a_changed_alert_shows_old_and_new() -> None:
    alert = build_alert(kinds()["changed"], public_url=PUBLIC)
    assert alert.title.startswith("CHANGED HIGH:")
    assert alert.changes == [
        "Last-time buy: 2027-03-31 → 2027-06-30",
        "LTB quantity: 14,400 → 15,600",
        "LTB cost: USD 20,160.00 → USD 21,840.00",
    ]
    for channel, body in channels("changed").items():
        assert "2027-03-31 → 2027-06-30" in body, channel


def test_a_reminder_counts_days_from_its_assessment_and_links_the_notice() -> None:
    alert = build_alert(kinds()["reminder"], public_url=PUBLIC)
    assert alert.title == "REMINDER, LTB in 30 days: EXR12-33DBVR (Example Semiconductor)"
    assert dict(alert.facts())["Last-time buy"] == "2027-03-31 (30 days left)"
    assert alert.status_url == ""  # scheduled work has no task
    assert alert.link == f"{PUBLIC}/v1/notices/{RECORD}"
    slack = render_slack(alert)
    (actions,) = [b for b in slack["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions["elements"]] == ["Notice"]
    teams = render_teams(alert)["attachments"][0]["content"]["actions"]
    assert [a["title"] for a in teams] == ["Notice"]


def test_a_closed_notice_says_so_without_figures() -> None:
    alert = build_alert(kinds()["closed"], public_url=PUBLIC)
    assert alert.title == "CLOSED: EXR12-33DBVR (Example Semiconductor)"
    assert dict(alert.facts()) == {
        "Part": "EXR12-33DBVR",
        "Manufacturer": "Example Semiconductor",
        "Notice": "PDN 23_0061",
        "State": "closed",
    }


def test_a_passed_ltb_and_a_shortfall_are_shown() -> None:
    a = assessment(ltb_passed=True, shortfall_before_ltb=180, shortfall_cost="90.00")
    facts = dict(build_alert(a, public_url=PUBLIC).facts())
    assert facts["Last-time buy"].startswith("passed")
    assert "LTB quantity" not in facts
    assert facts["Short before LTB"] == "180 units through regular orders (USD 90.00)"


def test_inferred_dates_are_marked() -> None:
    a = assessment(effective_last_time_buy_date="2027-03-31", as_of="2026-11-22")
    a.inferred_dates.append("last_time_buy")
    facts = dict(build_alert(a, public_url=PUBLIC).facts())
    assert facts["Last-time buy"] == "2027-03-31 (inferred) (129 days left)"


def test_the_documented_examples_of_each_kind_are_what_the_code_renders() -> None:
    texts = re.findall(r"```text\n(.*?)\n```", DOC.read_text(), flags=re.S)
    # The first is the "new" alert (tests/notifier/test_formats.py); then one per kind.
    rendered = [render_text(build_alert(a, public_url=PUBLIC)) for a in kinds().values()]
    assert texts[1 : 1 + len(rendered)] == rendered
