"""Alert content and its Slack, Teams and plain-text layouts, within each channel's limits."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from radar_notifier.alert import build_alert, money
from radar_notifier.formats.slack import render_slack
from radar_notifier.formats.teams import render_teams
from radar_notifier.formats.text import bullet_list, render_text
from tests.notifier.samples import assessment, many_products

TODAY = date(2026, 11, 22)
PUBLIC = "https://radar.example.com"


def _slack_texts(doc: dict[str, object]) -> list[str]:
    texts: list[str] = []
    for block in doc["blocks"]:  # type: ignore[attr-defined]
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [f["text"] for f in block.get("fields", [])]
        texts += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return texts


def test_alert_has_dates_with_days_left_money_and_status_link() -> None:
    alert = build_alert(assessment(), public_url=PUBLIC + "/", today=TODAY)
    facts = dict(alert.facts())
    assert facts["Last-time buy"] == "2027-03-31 (129 days left)"
    assert facts["Last ship"] == "2027-09-30 (312 days left)"
    assert facts["LTB quantity"] == "14,400"
    assert facts["LTB cost"] == "USD 20,160.00"
    assert facts["Revenue at risk"] == "USD 1,296,000.00"
    assert facts["Notice"] == "PDN 23_0061"
    assert alert.status_url == f"{PUBLIC}/v1/tasks/task-1"
    assert alert.recommended_action == "Last-time buy"


def test_past_dates_and_odd_money_are_shown_as_given() -> None:
    alert = build_alert(
        assessment(last_time_buy_date="2026-11-01", last_ship_date="Q3 2027"),
        public_url=PUBLIC,
        today=TODAY,
    )
    assert [d.describe() for d in alert.deadlines] == ["2026-11-01 (21 days ago)", "Q3 2027"]
    assert money("about 5k", "EUR") == "EUR about 5k"
    assert money("", "EUR") == ""


def test_slack_message_has_every_part_of_the_alert() -> None:
    doc = render_slack(build_alert(assessment(), public_url=PUBLIC, today=TODAY))
    assert doc["blocks"][0]["type"] == "header"
    assert "HIGH: EXR12-33DBVR" in doc["blocks"][0]["text"]["text"]
    joined = "\n".join(_slack_texts(doc))
    for expected in (
        "PDN 23_0061",
        "129 days left",
        "DEMO-SENSOR Vibration sensor node",
        "USD 20,160.00",
        "USD 1,296,000.00",
        "Recommended action: Last-time buy",
        "EXR13-33DBVR (Example Semi) — qualified",
        "0af7651916cd43dd8448eb211c80319c",
    ):
        assert expected in joined, expected
    button = next(b for b in doc["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["url"] == f"{PUBLIC}/v1/tasks/task-1"
    assert doc["text"].startswith("HIGH: EXR12-33DBVR (Example Semiconductor)")


def test_slack_message_stays_within_limits_with_huge_lists() -> None:
    a = assessment(where_used=many_products(2_000), narrative="x" * 10_000)
    doc = render_slack(build_alert(a, public_url=PUBLIC, today=TODAY))
    assert len(doc["blocks"]) <= 50
    assert len(doc["text"]) <= 3000
    for block in doc["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        assert len(block.get("fields", [])) <= 10
    where = next(t for t in _slack_texts(doc) if t.startswith("*Where used (2000)*"))
    assert where.endswith("and 1991 more")


def test_slack_mrkdwn_is_escaped() -> None:
    a = assessment(manufacturer="A&B <Semi>")
    doc = render_slack(build_alert(a, public_url=PUBLIC))
    # The header is plain_text (shown as is); every mrkdwn text must be escaped.
    mrkdwn = "\n".join(_slack_texts({"blocks": doc["blocks"][1:]}))
    assert "A&amp;B &lt;Semi&gt;" in mrkdwn
    assert "<Semi>" not in mrkdwn


def test_bullet_list_counts_what_it_leaves_out() -> None:
    items = [f"item {i}" for i in range(30)]
    assert bullet_list(items, limit=5, max_chars=1000).splitlines()[-1] == "• and 26 more"
    tight = bullet_list(items, limit=30, max_chars=40)
    assert len(tight) <= 40
    assert tight.endswith("more")
    shown = len(tight.splitlines()) - 1
    assert tight.splitlines()[-1] == f"• and {30 - shown} more"


def test_teams_card_has_the_same_content() -> None:
    doc = render_teams(build_alert(assessment(), public_url=PUBLIC, today=TODAY))
    assert doc["type"] == "message"
    attachment = doc["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    facts = next(b for b in card["body"] if b["type"] == "FactSet")["facts"]
    assert {"title": "Last-time buy", "value": "2027-03-31 (129 days left)"} in facts
    assert card["actions"][0]["url"] == f"{PUBLIC}/v1/tasks/task-1"
    text = json.dumps(card)
    assert "DEMO-HUB Sensor hub" in text
    assert "EXR13-33DBVR" in text


def test_teams_card_fits_in_28_kb() -> None:
    a = assessment(where_used=many_products(5_000), narrative="y" * 40_000)
    doc = render_teams(build_alert(a, public_url=PUBLIC, today=TODAY))
    assert len(json.dumps(doc).encode()) <= 27 * 1024
    assert "more" in json.dumps(doc)


def test_plain_text_rendering() -> None:
    text = render_text(build_alert(assessment(), public_url=PUBLIC, today=TODAY))
    lines = text.splitlines()
    assert lines[0] == "HIGH: EXR12-33DBVR (Example Semiconductor) — PDN 23_0061"
    assert "Last-time buy: 2027-03-31 (129 days left)" in lines
    assert "  - DEMO-SENSOR Vibration sensor node (2 per unit)" in lines
    assert f"Task status: {PUBLIC}/v1/tasks/task-1" in lines


def test_the_documented_examples_are_what_the_code_renders() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "alerts.md").read_text()
    blocks = re.findall(r"```(json|text)\n(.*?)\n```", doc, flags=re.S)
    alert = build_alert(
        assessment(task_id="5f0c8a52-3b7e-4d0a-9c61-2f4e8f1d7a90", assessment_id="asm-7d1e2c"),
        public_url="https://radar.example.com",
        today=TODAY,
    )
    assert json.loads(blocks[0][1]) == render_slack(alert)
    assert blocks[1] == ("text", render_text(alert))
