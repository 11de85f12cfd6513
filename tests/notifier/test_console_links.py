"""With RADAR_CONSOLE_URL set, every alert links to the console's assessment page (and its task
page), never to the API's JSON, which needs a key to open."""

from __future__ import annotations

import json

import pytest

from radar_notifier.alert import build_alert
from radar_notifier.formats.slack import render_slack
from radar_notifier.formats.teams import render_teams
from radar_notifier.formats.text import render_text
from radar_notifier.formats.webhook import render_webhook
from radar_notifier.settings import NotifierSettings
from tests.notifier.samples import RECORD, assessment, kinds

PUBLIC = "https://api.radar.example.com"
CONSOLE = "https://radar.example.com/"
PAGE = f"https://radar.example.com/notices/{RECORD}"


def rendered(name: str) -> dict[str, str]:
    a = kinds()[name]
    alert = build_alert(a, public_url=PUBLIC, console_url=CONSOLE)
    return {
        "slack": json.dumps(render_slack(alert)),
        "teams": json.dumps(render_teams(alert)),
        "email": render_text(alert),
        "webhook": json.dumps(render_webhook(alert, a)),
    }


@pytest.mark.parametrize("name", sorted(kinds()))
def test_every_channel_links_the_assessment_page_not_json(name: str) -> None:
    for channel, body in rendered(name).items():
        assert PAGE in body, channel
        assert "/v1/" not in body, channel


def test_the_task_link_is_the_consoles_task_page() -> None:
    alert = build_alert(assessment(record_id=RECORD), public_url=PUBLIC, console_url=CONSOLE)
    assert alert.link == PAGE
    assert alert.status_url == "https://radar.example.com/operations/tasks/task-1"


def test_without_a_console_the_api_record_stays_the_link() -> None:
    alert = build_alert(assessment(record_id=RECORD), public_url=PUBLIC)
    assert alert.link == f"{PUBLIC}/v1/notices/{RECORD}"


def test_the_setting_is_radar_console_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADAR_CONSOLE_URL", CONSOLE)
    assert NotifierSettings().console_url == CONSOLE
