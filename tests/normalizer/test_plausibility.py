"""Is it an orderable part at all? Look-alikes are refused; real parts, even short, are kept."""

from __future__ import annotations

import pytest

from radar_normalizer.plausibility import context_penalty, part_tokens, shape, tokens
from tests.normalizer.notices import mail, mime, parts, roles


@pytest.mark.parametrize(
    "token",
    [
        "WW2143",  # work weeks
        "Wk2144",
        "TSSOP48",  # package names
        "SOT-89",
        "HTSSOP32",
        "EIA/JESD48",  # standards
        "J-STD-048",
        "AEC-Q100",
        "MO-220",
        "2016.03.24",  # dates
        "05Oct11",
        "+1-408-555-0199",  # phone numbers
        "3.3V",  # values
        "12NC",
        "VND5E050Axx",  # series patterns
        "PRF18_1RB",
    ],
)
def test_look_alikes_have_no_part_shape(token: str) -> None:
    assert shape(token) == 0.0


@pytest.mark.parametrize(
    "token", ["LM358DR", "BSC010N04LSIATMA1", "BAS16,215", "nRF51822-QFAA", "A3941", "EXA1-TR"]
)
def test_part_numbers_have_a_part_shape(token: str) -> None:
    assert shape(token) >= 0.45


def test_document_and_form_numbers_are_refused_by_their_label() -> None:
    assert context_penalty("Doc. No.: ", "Doc. No.: TEM001794") == 0.0
    assert context_penalty("Form ", "Form QR-0708-03") == 0.0
    assert context_penalty("Table No.: ", "Table No.: 1110-0001-08-A") == 0.0
    assert context_penalty("Part Number: ", "Part Number: LM358DR") == 1.0


def test_materials_and_tape_codes_are_doubted() -> None:
    assert context_penalty("", "Mold compound EXG700LTD replaces EXG600") < 0.5


def test_a_variant_list_keeps_every_item() -> None:
    assert part_tokens("EXA24C02D-SSHM-T EXA24C02D-SSHM-B EXA2901DR EXA2901D") == (
        "EXA24C02D-SSHM-T",
        "EXA24C02D-SSHM-B",
        "EXA2901DR",
        "EXA2901D",
    )
    event = mail("Product discontinuance notice PDN-2026-010\nAffected parts: EXA2901DR EXA2901D\n")
    assert set(parts(event)) == {"EXA2901DR", "EXA2901D"}


def test_two_series_joined_by_a_slash_are_two_tokens() -> None:
    assert [t.value for t in tokens("PRX18/PRX21")] == ["PRX18", "PRX21"]
    assert [t.value for t in tokens("EXC1700T-3302E/TT")] == ["EXC1700T-3302E/TT"]


def test_a_short_base_number_that_is_the_only_identifier_is_found() -> None:
    event = mail(
        "EXA958\nDMOS Full-Bridge Motor Driver\nDiscontinued Product\n"
        "This device is no longer in production.\n",
        subject="Discontinued Product notice EXA958",
    )
    assert set(parts(event)) == {"EXA958"}


def test_numbers_dates_packages_and_standards_in_a_notice_are_not_parts() -> None:
    event = mail(
        "202602011DN : R01 - Discontinuation TSSOP48/56 for new tape/pack\n"
        "Please refer to PCN202601010F01. New lead frames will ship in Wk2644 based on "
        "leadframe delivery of WW2643. In accordance with JEDEC EIA/JESD48 we give notice.\n"
        "Document control: QR-0708-03\n"
        "Contact: +1 (408) 555-0199, 1 Example Way, Springfield 01234\n",
        subject="202602011DN:R01 - Discontinuation TSSOP48/56",
    )
    assert parts(event) == {}
    named = roles(event)
    for token in ("TSSOP48", "Wk2644", "WW2643", "EIA/JESD48", "QR-0708-03", "01234"):
        assert token not in named


def test_an_html_table_in_raw_mime_keeps_every_row() -> None:
    # Rows that never close their <tr> and <td>, as generated e-mails write them.
    html = (
        "<p>The following devices are discontinued:</p><table>"
        "<tr><th>Part Number<th>Replacement"
        "<tr><td>EXQ1001AB<td>EXQ2001AB"
        "<tr><td>EXQ1002AB<td>EXQ2002AB"
        "<tr><td>EXQ1003AB<td>N/A</table>"
    )
    event = mime({"subject": "EOL notice EX-EOL-2026-2", "from": "pcn@example.org", "html": html})
    found = parts(event)
    assert set(found) == {"EXQ1001AB", "EXQ1002AB", "EXQ1003AB"}
    assert found["EXQ1002AB"].replacement_mpn == "EXQ2002AB"
