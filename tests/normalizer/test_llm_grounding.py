"""What the LLM pass may choose from: part numbers and dates written in the notice."""

from __future__ import annotations

from datetime import date

import pytest

from radar_normalizer.grounding import (
    date_candidates,
    date_readings,
    line_with,
    part_candidates,
    written_in,
)


@pytest.mark.parametrize(
    ("written", "readings"),
    [
        ("2016.03.24", {date(2016, 3, 24)}),
        ("2025-08-31", {date(2025, 8, 31)}),
        ("05/06/2025", {date(2025, 6, 5), date(2025, 5, 6)}),
        ("13/06/2025", {date(2025, 6, 13)}),  # 13 cannot be a month
        ("14-Oct-2027", {date(2027, 10, 14)}),
        ("05Oct11", {date(2011, 10, 5), date(2005, 10, 11)}),
        ("Apr.,27,16", {date(2016, 4, 27), date(2027, 4, 16)}),
        ("February 14, 2021", {date(2021, 2, 14)}),
        ("Sept. 3, 2024", {date(2024, 9, 3)}),
        ("31/02/2025", set()),  # no such day either way
    ],
)
def test_every_reading_a_spelling_allows(written: str, readings: set[date]) -> None:
    assert date_readings(written) == readings


def test_date_candidates_are_the_dates_written_in_the_text() -> None:
    text = (
        "Date: February 14, 2021\nLTB Apr.,27,16; LTS 05Oct11.\n"
        "Revision 1.2 of 2016.03.24, part LM358DR, 100 pcs, Q3 2025"
    )
    assert [c.written for c in date_candidates(text)] == [
        "February 14, 2021",
        "Apr.,27,16",
        "05Oct11",
        "2016.03.24",
    ]


def test_part_candidates_ignore_case_dates_and_look_alikes_of_other_things() -> None:
    text = (
        "We stop 2n7002-g and L\u041c358DR (TSSOP48, J-STD-048) from 05Oct11; "
        "see PDN 2n7002-G again."
    )
    assert part_candidates(text) == ["2n7002-g", "LM358DR"]


def test_written_in_folds_case_spacing_and_disguises() -> None:
    text = "Affected:  LM358\u200bDR\nReplacement: LM358BIDR"
    assert written_in(text, "lm358dr")
    assert written_in(text, "Affected: LM358DR")
    assert not written_in(text, "LM358XYZ")
    assert not written_in(text, "")
    assert line_with(text, "lm358bidr") == "Replacement: LM358BIDR"
