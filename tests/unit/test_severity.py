"""The one severity order every service compares grades with."""

from __future__ import annotations

import pytest

from radar_common.notices.severity import SEVERITY_ORDER, least_severe, severity_rank


def test_the_order_runs_from_info_to_critical() -> None:
    assert SEVERITY_ORDER == ("info", "low", "medium", "high", "critical")
    assert [severity_rank(s) for s in SEVERITY_ORDER] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("unknown", ["", "CRITICAL", "severe"])
def test_an_unknown_grade_counts_as_info(unknown: str) -> None:
    assert severity_rank(unknown) == 0


def test_a_cap_keeps_the_milder_grade() -> None:
    assert least_severe("critical", "medium") == "medium"
    assert least_severe("low", "high") == "low"
    assert least_severe("high") == "high"
