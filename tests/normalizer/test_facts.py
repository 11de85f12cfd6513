"""Notice facts: numbers, dates (with one day/month policy), kinds, statuses, manufacturer."""

from __future__ import annotations

import json

import pytest

from radar_common.contracts import RawEvent
from radar_normalizer.dates import DayOrder, day_order, parse_date
from radar_normalizer.extract import extract_notices
from tests.normalizer.notices import mail, parts, read


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Apr.,27,16", "2016-04-27"),
        ("Oct.,31,17", "2017-10-31"),
        ("05Oct11", "2011-10-05"),
        ("2016.03.24", "2016-03-24"),
        ("February 14, 2021", "2021-02-14"),
        ("14-Oct-2027", "2027-10-14"),
    ],
)
def test_date_forms_real_notices_use(text: str, iso: str) -> None:
    found = parse_date(text)
    assert found is not None
    assert found.iso == iso


def test_one_day_month_order_per_notice() -> None:
    # 25/03/2026 proves the notice writes day first, so 05/06/2026 is 5 June.
    text = "Issue date: 25/03/2026\nLast time buy: 05/06/2026\n"
    assert day_order(text) == DayOrder(True)
    event = mail(
        "Product discontinuance notice PDN-2026-021\n" + text + "Affected parts: EXD2210QR\n"
    )
    [notice] = parts(event).values()
    assert notice.last_time_buy_date == "2026-06-05"
    assert notice.review == ""


def test_an_ambiguous_date_is_kept_and_sent_to_review() -> None:
    event = mail(
        "Product discontinuance notice PDN-2026-022\nLast time buy: 05/06/2026\n"
        "Affected parts: EXD2211QR\n"
    )
    [notice] = parts(event).values()
    assert notice.last_time_buy_date == "2026-05-06"  # US order by convention of "/"
    assert notice.review == "pending"
    assert any("swapped" in reason for reason in notice.review_reasons)
    assert notice.field_confidence["last_time_buy_date"] < 0.6


def test_a_relative_last_ship_date_is_computed() -> None:
    event = mail(
        "Discontinuation notice 202605001DN\n"
        "Last Time Buy (LTB) is 2026-09-01 with Last Time Ship (LTS) three months after LTB.\n"
        "Affected parts: EXR7001TW\n"
    )
    [notice] = parts(event).values()
    assert (notice.last_time_buy_date, notice.last_ship_date) == ("2026-09-01", "2026-12-01")


def test_labelled_dates_in_the_forms_vendors_write() -> None:
    event = mail(
        "Doc. No. : PCN260302\n: 2026.03.24\nProduct Withdrawal Notice\nDate; Apr.,27,26\n"
        "Last Time Order Due: Oct.,31,26\nAffected parts: EXW2201RB\n"
    )
    [notice] = parts(event).values()
    assert notice.notice_number == "PCN260302"
    assert notice.last_time_buy_date == "2026-10-31"


def test_the_notice_number_is_not_a_referenced_or_control_number() -> None:
    event = mail(
        "Form QR-0708-03\nPCN Number: EX-PCN-2026-44\n"
        "This notice supersedes PCN EX-PCN-2025-90.\nAffected parts: EXL4410T\n",
        subject="Change notice",
    )
    [notice] = parts(event).values()
    assert notice.notice_number == "EX-PCN-2026-44"
    assert list(notice.supersedes) == ["EX-PCN-2025-90"]


def test_the_revision_is_not_part_of_the_number() -> None:
    event = mail("PCN Number: 202604021DN:R01\nAffected parts: EXL4411T\n", subject="PCN")
    [notice] = parts(event).values()
    assert (notice.notice_number, notice.revision) == ("202604021DN", "R01")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Production", "active"),
        ("Production (Last Updated: 2 years ago)", "active"),
        ("NRND", "nrnd"),
        ("Obsolete", "obsolete"),
    ],
)
def test_nexar_lifecycle_words(status: str, expected: str) -> None:
    payload = {
        "data": {
            "supSearchMpn": {
                "results": [
                    {
                        "part": {
                            "mpn": "EXN5001-Q",
                            "manufacturer": {"name": "Example Semiconductor"},
                            "specs": [
                                {
                                    "attribute": {"shortname": "lifecyclestatus"},
                                    "displayValue": status,
                                }
                            ],
                        }
                    }
                ]
            }
        }
    }
    event = RawEvent(format="canonical", source="nexar", payload_json=json.dumps(payload))
    [notice] = extract_notices(event)
    assert notice.lifecycle_status == expected
    assert notice.notice_kind == "lifecycle_change"


@pytest.mark.parametrize(
    ("text", "status", "kind"),
    [
        ("This device is discontinued, no longer in production.", "obsolete", "lifecycle_change"),
        ("NOT FOR NEW DESIGN", "nrnd", "lifecycle_change"),
        ("Product discontinuance notice PDN-2026-030: last time buy 2026-12-01.", "eol", ""),
    ],
)
def test_status_words(text: str, status: str, kind: str) -> None:
    [notice] = parts(mail(f"EXS3001QT\n{text}\n", subject="EXS3001QT status")).values()
    assert notice.lifecycle_status == status
    if kind:
        assert notice.notice_kind == kind


def test_an_unknown_maker_is_read_from_its_domain_and_signature() -> None:
    event = mail(
        "Dear customer,\nProduct discontinuance notice PDN-77\nAffected parts: QZR4471KX\n"
        "Best regards,\nQuazar Microdevices Co., Ltd.\n",
        sender="PCN desk <pcn@quazarmicro.com>",
    )
    [notice] = parts(event).values()
    assert notice.manufacturer == "Quazar Microdevices"
    assert notice.manufacturer_raw == "Quazar Microdevices Co., Ltd."


def test_a_known_maker_from_the_alias_table_by_domain_and_letterhead() -> None:
    by_domain = mail("PCN 2026-5\nAffected parts: EXB4410\n", sender="pcn@atmel.com")
    assert {n.manufacturer for n in parts(by_domain).values()} == {"Microchip Technology"}
    letterhead = mail(
        "Winbond Electronics Corporation\nProduct Change Notice PCN-26-09\n"
        "Affected parts: W25Q9999JW\n",
        sender="forwarder@gmail.com",
    )
    assert {n.manufacturer for n in parts(letterhead).values()} == {"Winbond Electronics"}


def test_facts_without_parts_are_still_read() -> None:
    reading = read(mail("PCN Number: EX-PCN-2026-50\nIssue date: 2026-01-05\nNo parts.\n"))
    assert reading.notices == []
    assert reading.facts.value("notice_number") == "EX-PCN-2026-50"
    assert reading.facts.value("issue_date") == "2026-01-05"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("The EXN5120 has been discontinued and is no longer commercially available.", "obsolete"),
        ("The EXN5120 is discontinued and now obsolete.", "obsolete"),
        ("The now-discontinued and unavailable EXN5120 needs a substitute.", "obsolete"),
    ],
)
def test_prose_that_says_a_part_is_gone(text: str, status: str) -> None:
    [notice] = parts(mail(f"{text}\n", subject="EXN5120 status")).values()
    assert notice.lifecycle_status == status


def test_a_cancelled_change_is_a_retraction() -> None:
    reading = read(
        mail(
            "Update Notification #55012\nIssue Date: 03-Oct-2024\n"
            "This updates FPCN #54900. The qualification and transfer of the TO-92 assembly "
            "to the new subcontractor has been canceled. The current source will continue.\n",
            subject="Update Notification #55012",
        )
    )
    assert reading.facts.value("notice_kind") == "retraction"
    assert reading.facts.value("notice_number") == "55012"


def test_products_being_withdrawn_are_discontinued() -> None:
    reading = read(
        mail(
            "Series/Type: EXF3300\nThe following products presented in this data sheet are "
            "being withdrawn.\nOrdering code EXF3300A104K Date of withdrawal 2025-02-01\n",
            subject="Data sheet update",
        )
    )
    assert reading.facts.value("notice_kind") == "discontinuance"


def test_a_data_sheets_document_number_is_not_a_notice_number() -> None:
    reading = read(
        mail(
            "EXD3609 Document number: DS55101 Rev. 2\nPART OBSOLETE - NO ALTERNATE PART\n"
            "Eight-channel LED driver.\n",
            subject="EXD3609 datasheet",
        )
    )
    assert reading.facts.value("notice_number") == ""
    assert reading.facts.value("notice_kind") == "lifecycle_change"


def test_an_unknown_maker_from_the_senders_display_name() -> None:
    event = mail(
        "Discontinued products:\n- EXW00109 Logic analyser (Discontinued)\n",
        sender="Wexler Support <support@wexler.com>",
    )
    [notice] = parts(event).values()
    assert notice.manufacturer == "Wexler"
