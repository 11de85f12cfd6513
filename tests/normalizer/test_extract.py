"""Extraction edge cases: errors with reasons, catalog confidence, shapes of events."""

from __future__ import annotations

import json

import pytest

from radar_common.contracts import Attachment, RawEvent
from radar_normalizer.catalog import CatalogParts
from radar_normalizer.extract import NoPartsFound, UnreadableEvent, extract_notices


def canonical(payload: object, source: str = "siliconexpert") -> RawEvent:
    return RawEvent(
        event_id="ev-1",
        task_id="t-1",
        source=source,
        format="canonical",
        payload_json=json.dumps(payload),
    )


def test_the_walking_skeleton_shape_still_works() -> None:
    [notice] = extract_notices(
        canonical({"mpn": "LM358DR", "manufacturer": "TI", "lifecycle_status": "EOL"})
    )
    assert (notice.mpn, notice.base_mpn, notice.manufacturer) == (
        "LM358DR",
        "LM358D",
        "Texas Instruments",
    )
    assert notice.lifecycle_status == "eol"
    assert notice.notice_kind == "lifecycle_change"
    assert notice.event_id == "ev-1"


def test_no_part_is_a_permanent_error_with_the_reason() -> None:
    with pytest.raises(
        NoPartsFound, match="no part number found in the canonical event from nexar"
    ):
        extract_notices(canonical({"note": "hello"}, source="nexar"))


def test_an_email_without_parts_names_its_attachments() -> None:
    event = RawEvent(
        format="sendgrid",
        source="sendgrid",
        payload_json=json.dumps({"subject": "Hi", "text": "Lunch on friday?"}),
    )
    event.attachments.append(
        Attachment(filename="menu.pdf", content_type="application/pdf", content=b"%PDF-1.4 broken")
    )
    with pytest.raises(NoPartsFound, match=r"menu\.pdf"):
        extract_notices(event)


def test_a_payload_that_is_not_json_is_unreadable() -> None:
    event = RawEvent(format="canonical", source="x", payload_json="{not json")
    with pytest.raises(UnreadableEvent, match="not JSON"):
        extract_notices(event)


def _forward(body: str) -> RawEvent:
    return RawEvent(
        event_id="ev-2",
        format="email_forward",
        source="email_gateway",
        payload_json=json.dumps(
            {"sender_domain": "example.org", "subject_line": "EOL", "body_content": body}
        ),
    )


def test_the_catalog_confirms_the_parts_prose_names() -> None:
    event = _forward("We discontinue the ABC1234X and XYZ9876Q modules.")
    without = extract_notices(event)
    assert {n.mpn for n in without} == {"ABC1234X", "XYZ9876Q"}
    known = CatalogParts(["XYZ9876Q"])
    [found] = extract_notices(event, known)  # prose parts: the catalog confirms which
    before = {n.mpn: n.confidence for n in without}
    assert found.mpn == "XYZ9876Q"
    assert found.confidence > before["XYZ9876Q"]
    assert any(e.location == "catalog:exact" for e in found.evidence)


def test_the_catalog_picks_the_parts_among_guesses() -> None:
    # Nothing says which of these is affected: only the catalog can tell.
    event = _forward("Note for ABC1234X, XYZ9876Q and QRS4567T.\nRegards")
    guesses = extract_notices(event)
    assert guesses
    assert all(n.review == "pending" for n in guesses)
    [confirmed] = extract_notices(event, CatalogParts(["XYZ9876Q"]))
    assert confirmed.mpn == "XYZ9876Q"
    assert confirmed.review == "pending"
    assert any("uncertain" in reason for reason in confirmed.review_reasons)


def test_a_frozenset_is_a_catalog_and_a_miss_lowers_confidence() -> None:
    event = canonical({"mpn": "LM358DR", "manufacturer": "TI"})
    hit = extract_notices(event, frozenset({"LM358DR"}))[0].confidence
    miss = extract_notices(event, frozenset({"OTHER1"}))[0].confidence
    none = extract_notices(event)[0].confidence
    assert miss < none < hit


def test_the_notice_id_is_stable_and_differs_per_event_and_part() -> None:
    a = extract_notices(canonical({"AffectedProductName": "AAA111, BBB222", "TypeOfChange": "EOL"}))
    b = extract_notices(canonical({"AffectedProductName": "AAA111, BBB222", "TypeOfChange": "EOL"}))
    assert [n.notice_id for n in a] == [n.notice_id for n in b]
    assert a[0].notice_id != a[1].notice_id
    other = canonical({"AffectedProductName": "AAA111, BBB222", "TypeOfChange": "EOL"})
    other.event_id = "ev-other"
    assert extract_notices(other)[0].notice_id != a[0].notice_id


def test_a_discontinuance_without_an_issue_date_infers_nothing() -> None:
    [notice] = extract_notices(canonical({"mpn": "AAA111", "type": "EOL"}))
    assert notice.notice_kind == "discontinuance"
    assert notice.last_time_buy_date == ""
    assert list(notice.inferred_fields) == []


def test_a_canonical_event_may_carry_an_email_as_text_fields() -> None:
    [notice] = extract_notices(
        canonical(
            {
                "subject": "PDN 12345A",
                "body": "Product Discontinuance Notice\nIssue date: 2024-01-02\n"
                "Affected parts: QWE123R\n",
            },
            source="email_gateway",
        )
    )
    assert (notice.mpn, notice.issue_date, notice.notice_kind) == (
        "QWE123R",
        "2024-01-02",
        "discontinuance",
    )
    assert notice.inferred_fields == ["last_ship_date", "last_time_buy_date"]
    assert notice.last_time_buy_date == "2024-07-02"
