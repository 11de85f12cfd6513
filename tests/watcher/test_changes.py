"""What an observation means (pure rules), and the event as ingestion and the normalizer read it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from radar_common.contracts import RawEvent
from radar_ingestion.schemas import ComponentAlert
from radar_normalizer.extract import extract_notices
from radar_watcher.changes import (
    Announced,
    SourceView,
    Verdict,
    alert_payload,
    first_view_can_move,
    verdict,
)
from radar_watcher.lifecycle import change_kind, status_from, worst
from radar_watcher.makers import canonical_manufacturer, same_manufacturer
from radar_watcher.sources.nexar import VOCABULARY as NEXAR

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("active", "nrnd", "lifecycle_change"),
        ("active", "eol", "lifecycle_change"),
        ("unknown", "obsolete", "lifecycle_change"),
        ("nrnd", "eol", "lifecycle_change"),
        ("eol", "active", "reactivation"),
        ("obsolete", "active", "reactivation"),
        ("unknown", "active", None),  # a first status is no news
        ("obsolete", "eol", None),  # a source took back the worse of two statuses
        ("eol", "eol", None),
        ("eol", "unknown", None),
    ],
)
def test_which_moves_are_announced(old: str, new: str, kind: str | None) -> None:
    assert change_kind(old, new) == kind


def test_vocabulary_and_the_most_severe_status() -> None:
    assert status_from("Production (Last Updated: 2 years ago)", NEXAR) == "active"
    assert status_from("EOL", NEXAR) == "eol"
    assert status_from("Something new", NEXAR) == "unknown", "never guessed"
    assert worst(["active", "unknown", "eol", "nrnd"]) == "eol"
    assert worst(["unknown"]) == "unknown"
    assert canonical_manufacturer("Texas Instruments Inc.") == "Texas Instruments"
    # The project's alias table (radar_common.manufacturers): acquired brands, every service.
    assert canonical_manufacturer("Burr-Brown") == "Texas Instruments"
    assert same_manufacturer("Zetex", "Diodes Incorporated")
    assert same_manufacturer("ON Semiconductor", "onsemi")
    assert same_manufacturer("Nexperia USA Inc.", "Nexperia")
    assert not same_manufacturer("Nexperia", "onsemi")


def view(source: str, status: str, ltb: date | None = None) -> SourceView:
    return SourceView(source, status, status.upper(), NOW, ltb)


def part(status: str, ltb: date | None = None) -> Announced:
    return Announced("LM358DR", "Texas Instruments", status, ltb, None, 3)


def test_verdict_takes_the_most_severe_source_and_the_earliest_date() -> None:
    assert verdict(part("active"), [view("catalog", "active"), view("nexar", "active")]) is None
    moved = verdict(part("active"), [view("catalog", "active"), view("nexar", "eol")])
    assert moved == Verdict("eol", None, None, "lifecycle_change")
    dated = verdict(
        part("eol"),
        [
            view("nexar", "eol"),
            view("digikey", "eol", date(2027, 3, 1)),
            view("se", "eol", date(2027, 1, 1)),
        ],
    )
    assert dated == Verdict("eol", date(2027, 1, 1), None, "lifecycle_change")
    quiet = verdict(part("obsolete"), [view("nexar", "eol")])
    assert quiet == Verdict("eol", None, None, None), "recorded, not announced"


@pytest.mark.parametrize(
    ("known", "first", "ltb", "moves"),
    [
        ("active", "active", None, False),
        ("active", "unknown", None, False),  # not found
        ("eol", "nrnd", None, False),  # less severe than a status another source gave
        ("unknown", "unknown", None, False),
        ("active", "eol", None, True),
        ("unknown", "active", None, True),  # a first known status is recorded
        ("eol", "eol", date(2027, 3, 31), True),  # a date Radar did not have
        ("eol", "eol", date(2027, 9, 30), False),  # later than the known one
    ],
)
def test_a_first_view_is_combined_only_when_it_can_move_the_verdict(
    known: str, first: str, ltb: date | None, moves: bool
) -> None:
    announced = Announced("LM358DR", "Texas Instruments", known, None, None, 1)
    if known == "eol" and first == "eol" and ltb:
        announced = Announced("LM358DR", "Texas Instruments", known, date(2027, 6, 30), None, 2)
    assert first_view_can_move(announced, first, ltb, None) is moves
    # The rule agrees with a full recombination of the views, the known one being Radar's.
    views = [SourceView("catalog", known, known, NOW, announced.last_time_buy_date, None)]
    views.append(SourceView("nexar", first, first, NOW, ltb, None))
    assert (verdict(announced, views) is not None) is moves


def test_the_event_validates_as_a_component_alert_and_normalizes_to_the_change() -> None:
    announced = part("active")
    views = [view("catalog", "active"), view("nexar", "eol")]
    new = verdict(announced, views)
    assert new is not None
    payload = alert_payload(
        source="nexar",
        announced=announced,
        verdict=new,
        trigger=views[1],
        views=views,
        evidence={"mpn": "LM358DR", "specs": []},
        observed_at=NOW,
    )
    body = ComponentAlert.model_validate(payload)
    # What POST /v1/ingest/component-alert stores (unknown fields kept).
    stored = body.model_dump(mode="json", exclude={"idempotency_key"}, exclude_unset=True)
    event = RawEvent(
        event_id="e1",
        source=body.source_platform,
        format="component_alert",
        payload_json=json.dumps(stored),
        content_type="application/json",
    )
    (notice,) = extract_notices(event)
    assert notice.mpn == "LM358DR"
    assert notice.manufacturer == "Texas Instruments"
    assert notice.source == "nexar"
    assert notice.notice_kind == "lifecycle_change"
    assert notice.lifecycle_status == "eol"
    assert notice.previous_lifecycle_status == "active"
    assert notice.notice_number == "", "no notice number: the records' fallback identity applies"
    assert notice.issue_date == "2026-11-25"
    assert "nexar: EOL" in notice.reason
    assert payload["sources_disagree"] is True


def test_a_reactivation_normalizes_as_a_reactivation() -> None:
    announced = part("eol")
    views = [view("catalog", "active"), view("nexar", "active")]
    new = verdict(announced, views)
    assert new is not None
    assert new.kind == "reactivation"
    payload = alert_payload(
        source="catalog",
        announced=announced,
        verdict=new,
        trigger=views[0],
        views=views,
        evidence={},
        observed_at=NOW,
    )
    event = RawEvent(
        event_id="e2", source="catalog", format="component_alert", payload_json=json.dumps(payload)
    )
    (notice,) = extract_notices(event)
    assert (notice.notice_kind, notice.lifecycle_status) == ("reactivation", "active")
    assert notice.previous_lifecycle_status == "eol"
