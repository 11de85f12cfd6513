from __future__ import annotations

import pytest

from radar_normalizer.dates import add_months, find_dates, parse_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("20-Sep-2024", "2024-09-20"),
        ("July 22 2024", "2024-07-22"),
        ("Sept. 3, 2024", "2024-09-03"),
        ("2024-09-20", "2024-09-20"),
        ("2024/09/20", "2024-09-20"),
        ("9/1/2021", "2021-09-01"),
        ("25/1/2021", "2021-01-25"),
        ("1.9.2021", "2021-09-01"),
        ("3rd March 2026", "2026-03-03"),
        ("20240920", "2024-09-20"),
    ],
)
def test_vendor_date_forms(text: str, iso: str) -> None:
    found = parse_date(text)
    assert found is not None
    assert found.iso == iso
    assert found.inferred == ""


@pytest.mark.parametrize(
    ("text", "iso"),
    [("Q3 2025", "2025-07-01"), ("3Q25", "2025-07-01"), ("September 2024", "2024-09-01")],
)
def test_a_missing_day_is_completed_and_reported(text: str, iso: str) -> None:
    found = parse_date(text)
    assert found is not None
    assert found.iso == iso
    assert found.inferred


def test_impossible_dates_are_not_dates() -> None:
    assert parse_date("31.02.2024") is None
    assert parse_date("no date here") is None


def test_dates_are_found_in_order_without_overlap() -> None:
    text = "LTB 20-Sep-2024, last ship 2025-03-20 (was Q1 2025)"
    assert [d.iso for d in find_dates(text)] == ["2024-09-20", "2025-03-20", "2025-01-01"]


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months("2024-08-31", 6) == "2025-02-28"
    assert add_months("2024-03-15", 12) == "2025-03-15"
