"""Both corpora (synthetic and real notices): parts and every field must stay accurate.

Thresholds: 97% part precision and recall, 95% precision and recall on every field, over the
synthetic corpus and the real one together (``make eval`` prints the details).
"""

from __future__ import annotations

import pytest

from radar_common.contracts import NormalizedNotice
from radar_normalizer.extract import Reading, read_notice
from tests.normalizer.corpus import Case, load_cases
from tests.normalizer.scoring import Scores, score_case

PART_THRESHOLD = 0.97
FIELD_THRESHOLD = 0.95
CASES = load_cases()
WITH_PARTS = [c for c in CASES if c.expected]


@pytest.fixture(scope="module")
def readings() -> list[tuple[Case, Reading]]:
    return [(case, read_notice(case.event)) for case in CASES]


def test_the_corpora_are_large_and_varied() -> None:
    formats = {case.event.format for case in CASES}
    assert len([c for c in CASES if c.real]) >= 40
    assert {"canonical", "component_alert", "email_forward", "sendgrid", "mailgun"} <= formats
    assert {"postmark", "ses", "sendgrid_raw"} <= formats
    kinds = {row.get("notice_kind") for case in CASES for row in case.expected}
    assert {
        "discontinuance",
        "change",
        "lifecycle_change",
        "packing_withdrawal",
        "reactivation",
        "retraction",
    } <= kinds


def test_parts_and_fields_meet_the_thresholds(readings: list[tuple[Case, Reading]]) -> None:
    scores = Scores()
    for case, reading in readings:
        score_case(case, reading, scores)
    report = f"{scores.table()}\n{scores.confusion_table()}\n" + "\n".join(scores.errors)
    print("\n" + report)  # shown with -s
    assert not scores.failing(PART_THRESHOLD, FIELD_THRESHOLD), report


def test_no_replacement_is_ever_reported_as_affected(
    readings: list[tuple[Case, Reading]],
) -> None:
    for case, reading in readings:
        replacements = {m["mpn"] for m in case.mentions if m["role"] == "replacement"}
        assert not replacements & {n.mpn for n in reading.notices}, case.name


@pytest.mark.parametrize("case", WITH_PARTS, ids=[c.name for c in WITH_PARTS])
def test_every_field_carries_evidence(case: Case) -> None:
    for notice in read_notice(case.event).notices:
        with_evidence = {e.field for e in notice.evidence if e.snippet and e.location}
        for name in (
            "mpn",
            "base_mpn",
            "notice_number",
            "notice_kind",
            "manufacturer",
            "lifecycle_status",
            "issue_date",
            "last_time_buy_date",
            "last_ship_date",
            "replacement_mpn",
            "reason",
        ):
            if getattr(notice, name):
                assert name in with_evidence, f"{case.name}: {notice.mpn}.{name} has no evidence"
                assert name in notice.field_confidence
        for name in notice.inferred_fields:
            assert any(e.field == name and "inferred" in e.location for e in notice.evidence)
        assert any(m.mpn == notice.mpn for m in notice.mentions)


def test_same_input_gives_the_same_notices(readings: list[tuple[Case, Reading]]) -> None:
    for case, reading in readings:
        notices: list[NormalizedNotice] = reading.notices
        again = read_notice(case.event).notices
        assert [n.SerializeToString(deterministic=True) for n in again] == [
            n.SerializeToString(deterministic=True) for n in notices
        ]
        assert len({n.notice_id for n in notices}) == len(notices)
        for index, notice in enumerate(notices):
            assert notice.part_index == index
            assert notice.part_count == len(notices)
            assert notice.task_id == case.event.task_id
            assert notice.extractor == "rules"
            assert 0.0 < notice.confidence <= 1.0
