"""Roles: only affected parts become notices; replacements, references and retractions do not."""

from __future__ import annotations

from tests.normalizer.notices import mail, mime, parts, read, roles


def test_a_replacement_column_is_never_affected() -> None:
    event = mime(
        {
            "subject": "Product Discontinuance Notice PDN 31_0007",
            "from": "PDN <pdn@example-semi.com>",
            "text": "See attached.",
            "attachments": [
                {
                    "filename": "PDN.pdf",
                    "content_type": "application/pdf",
                    "pdf": [
                        "PRODUCT DISCONTINUANCE NOTICE PDN 31_0007",
                        "Publication Date: 12-Jan-2026",
                        "Last Time Buy Date: 12-Jan-2027",
                        "Model  Product Family  Replacement Part  Pin To Pin Compatible",
                        "EXQ7705BRZ  EXQ7705  EXQ7715BRZ  Yes",
                        "EXQ7705BRZ-RL7  EXQ7705  EXQ7715BRZ-RL7  No",
                    ],
                }
            ],
        }
    )
    found = parts(event)
    assert set(found) == {"EXQ7705BRZ", "EXQ7705BRZ-RL7"}
    assert found["EXQ7705BRZ"].replacement_mpn == "EXQ7715BRZ"
    assert found["EXQ7705BRZ-RL7"].replacement_mpn == "EXQ7715BRZ-RL7"
    named = roles(event)
    assert named["EXQ7715BRZ"] == "replacement"
    assert named["EXQ7705"] == "referenced"  # the family column


def test_prose_replacing_them_with_names_replacements() -> None:
    event = mail(
        "We announce the end-of-life of XQB7420 and XQB7425, replacing them with new "
        "SOT-89 parts (XQL7420, XQL7425).\nLast time buy: 2026-06-30\n",
        subject="End of life announcement",
    )
    found = parts(event)
    assert set(found) == {"XQB7420", "XQB7425"}
    assert found["XQB7420"].replacement_mpn == "XQL7420"
    assert found["XQB7425"].replacement_mpn == "XQL7425"
    assert "SOT-89" not in roles(event)  # a package, not a part


def test_a_packing_variant_successor_is_the_replacement() -> None:
    event = mail(
        "Discontinuation of packing variant.\n"
        "The orderable part XCA9555PW,118 is replaced by the packing variant 518, "
        "XCA9555PW,518.\n",
        subject="Packing withdrawal 202601003DN",
        sender="pcn@nxp.com",
    )
    found = parts(event)
    assert set(found) == {"XCA9555PW,118"}
    assert found["XCA9555PW,118"].replacement_mpn == "XCA9555PW,518"
    assert "518" not in roles(event)


def test_not_being_discontinued_is_a_packing_change_not_an_eol() -> None:
    event = mail(
        "202601005DN - Discontinuation of tube packing\n"
        "The devices in this Discontinuation Notice are NOT being discontinued. Only the "
        "orderable part numbers change to a new dry pack.\n"
        "Affected orderable parts:\n"
        "XYZ1200DR\n"
        "XYZ1201DR\n",
        subject="202601005DN - Discontinuation of tube packing",
    )
    notices = list(parts(event).values())
    assert {n.notice_kind for n in notices} == {"packing_withdrawal"}
    assert {n.lifecycle_status for n in notices} == {"active"}


def test_a_revision_that_retracts_a_part_emits_a_retraction_for_it() -> None:
    event = mail(
        "PCN Number: EXPCN-2026-11 Rev B\n"
        "Issue date: 2026-02-02\n"
        "This revision retracts EXT4411Q from the affected list.\n"
        "Affected parts:\n"
        "EXT4410Q\n"
        "EXT4412Q\n",
        subject="Process change notice EXPCN-2026-11 Rev B",
    )
    found = parts(event)
    assert found["EXT4410Q"].notice_kind == "change"
    retracted = found["EXT4411Q"]
    assert retracted.notice_kind == "retraction"
    assert list(retracted.supersedes) == ["EXPCN-2026-11"]
    assert retracted.revision == "Rev B"
    assert roles(event)["EXT4411Q"] == "excluded"


def test_parts_named_not_affected_are_not_notices() -> None:
    event = mail(
        "Product discontinuance notice PDN-2026-004\n"
        "The following devices are discontinued: EXA2201TR, EXA2202TR.\n"
        "The EXA2203TR is not affected by this notice.\n",
    )
    assert set(parts(event)) == {"EXA2201TR", "EXA2202TR"}
    assert roles(event)["EXA2203TR"] == "not_affected"


def test_referenced_notices_and_datasheets_are_not_parts() -> None:
    event = mail(
        "PCN Number: 202603001F01\n"
        "Please refer to PCN202511007F02 for the earlier change.\n"
        "Affected parts: EXM4455AB\n",
        subject="PCN 202603001F01 final",
    )
    reading = read(event)
    assert [n.mpn for n in reading.notices] == ["EXM4455AB"]
    assert reading.notices[0].notice_number == "202603001F01"


def test_a_withdrawal_keeps_its_own_number_and_date() -> None:
    event = mail(
        "PCN#EX09C-26 Withdrawal of PCN#EX09B-26\n"
        "March 3, 2026\n"
        "We are withdrawing PCN#EX09B-26 effective immediately.\n"
        "Affected devices: EXR5-320/160, EXR5-384/160\n",
        subject="PCN#EX09C-26 Withdrawal of PCN#EX09B-26",
    )
    notices = list(parts(event).values())
    assert {n.notice_kind for n in notices} == {"retraction"}
    assert {n.notice_number for n in notices} == {"EX09C-26"}
    assert {n.issue_date for n in notices} == {"2026-03-03"}
    assert all("EX09B-26" in n.supersedes for n in notices)


def test_a_family_named_above_its_orderable_parts_is_referenced() -> None:
    event = mail(
        "Notification Subject: End of Life of select EXP16 and EXC1700 devices\n"
        "Affected Catalog Part Numbers:\n\n"
        "EXC1700T-3302E/TT\n"
        "EXC1700T-1202E/TT\n",
        subject="End of Life - SYST-26EOL001",
    )
    assert set(parts(event)) == {"EXC1700T-3302E/TT", "EXC1700T-1202E/TT"}
    assert roles(event)["EXC1700"] == "referenced"


def test_for_x_use_y_pairs_old_and_new() -> None:
    event = mail(
        "Discontinued Product\nDate of status change: October 31, 2025\n"
        "Recommended Substitutions:\n"
        "- For the EXH1140ELHLT-T use the EXH1150LLHLX-T\n"
        "- For the EXH1142LUA-T use the EXH1152LUA-T\n",
        subject="EXH1140 discontinued product",
    )
    found = parts(event)
    assert set(found) == {"EXH1140ELHLT-T", "EXH1142LUA-T"}
    assert found["EXH1142LUA-T"].replacement_mpn == "EXH1152LUA-T"


def test_replacements_in_the_next_sentence_pair_with_the_parts_before() -> None:
    event = mail(
        "Please be advised that EXK5501 and EXK5502 will be obsoleted. Customers are advised "
        "to migrate to EXK5601 and EXK5602 respectively.\nLast time buy: 2026-06-30\n",
        subject="Obsolescence notice",
    )
    found = parts(event)
    assert set(found) == {"EXK5501", "EXK5502"}
    assert found["EXK5502"].replacement_mpn == "EXK5602"


def test_parts_removed_from_a_revised_notice_are_retractions() -> None:
    event = mail(
        "The following part numbers have been removed from PCN EX-22-7:\nEXK7701A\nEXK7702A\n"
        "All other parts remain affected:\nEXK7703A\n",
        subject="PCN EX-22-7 Rev 1",
    )
    found = parts(event)
    assert found["EXK7703A"].notice_kind == "change"
    assert {found["EXK7701A"].notice_kind, found["EXK7702A"].notice_kind} == {"retraction"}
    assert list(found["EXK7701A"].supersedes) == ["EX-22-7"]


def test_list_items_split_whatever_glyph_the_bullet_became() -> None:
    # A PDF font may turn the bullet into "?", "▪" or a private-use glyph: each item is still
    # its own sentence, so "use the" pairs within an item, never across items.
    event = mail(
        "Discontinued Product\nDate of status change: 2025-03-31\n"
        "? for the EXH101-TR and the EXH101-BK use the EXH201-TR\n"
        "? for the EXH102-TR use the EXH202-TR\n"
        "\u25a0 for the EXH103-TR use the EXH203-TR\n",
        subject="Discontinued product",
    )
    found = parts(event)
    assert set(found) == {"EXH101-TR", "EXH101-BK", "EXH102-TR", "EXH103-TR"}
    assert found["EXH101-BK"].replacement_mpn == "EXH201-TR"
    assert found["EXH102-TR"].replacement_mpn == "EXH202-TR"
    assert found["EXH103-TR"].replacement_mpn == "EXH203-TR"


def test_qualification_and_reliability_devices_are_only_referenced() -> None:
    event = mail(
        "Final Product/Process Change Notification #44120\nIssue Date: 3-Mar-2025\n"
        "Title: Second assembly site for SOT-23 devices.\n"
        "Reliability data summary: qualification vehicle EXR2210T1G.\n"
        "EXR3320T1G Reliability Report: 0/231 failures.\n",
        subject="FPCN #44120",
    )
    named = roles(event)
    assert named["EXR2210T1G"] == "referenced"
    assert named["EXR3320T1G"] == "referenced"
    assert parts(event) == {}


def test_out_of_stock_is_not_a_lifecycle_event() -> None:
    event = mail(
        "The EXL4410DR is discontinued, use the EXL4420DR instead. "
        "The EXV7701PW is out of stock at the distributor this month.\n",
        subject="Discontinued part",
    )
    assert set(parts(event)) == {"EXL4410DR"}
    assert roles(event)["EXV7701PW"] == "not_affected"


def test_a_denial_about_the_part_clears_it() -> None:
    event = mail(
        "Is EXK2201QE end of life? Distributors show it as EOL.\n"
        "The maker confirmed that the switch is not EOL and stays in production.\n",
        subject="EOL check EXK2201QE",
    )
    assert parts(event) == {}
    assert roles(event)["EXK2201QE"] == "not_affected"
    assert read(event).facts.value("lifecycle_status") == "active"


def test_one_part_written_two_ways_is_one_part() -> None:
    event = mail(
        "The EXG6050 gyroscope is discontinued and now obsolete; the EXG-6050 last time buy "
        "was 2025-01-31. The model EXP-EXQ4410-C5 distance sensor is discontinued too; "
        "EXQ4410 users should plan a redesign.\n",
        subject="EXG6050 discontinued",
    )
    assert set(parts(event)) == {"EXG-6050", "EXP-EXQ4410-C5"}


def test_a_form_fit_function_remark_does_not_clear_the_part() -> None:
    event = mail(
        "Product change notice PCN-2025-17: the EXK3301QE moves to a second assembly site. "
        "Form, fit and function of the device are not impacted.\n",
        subject="Assembly site change for EXK3301QE",
    )
    assert set(parts(event)) == {"EXK3301QE"}
