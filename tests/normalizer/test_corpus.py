"""The notice corpus: per-field precision and recall must stay at or above 95%."""

from __future__ import annotations

import pytest

from radar_common.contracts import NormalizedNotice
from radar_normalizer.extract import extract_notices
from tests.normalizer.corpus import FIELDS, Case, load_cases
from tests.normalizer.scoring import Scores, score_case

THRESHOLD = 0.95
CASES = load_cases()


@pytest.fixture(scope="module")
def results() -> list[tuple[Case, list[NormalizedNotice]]]:
    return [(case, extract_notices(case.event)) for case in CASES]


def test_the_corpus_is_large_and_varied() -> None:
    formats = {case.event.format for case in CASES}
    assert len(CASES) >= 25
    assert {"canonical", "component_alert", "email_forward", "sendgrid", "mailgun"} <= formats
    assert {"postmark", "ses", "sendgrid_raw"} <= formats
    mime_with_pdf = [
        c for c in CASES if c.event.raw_body and b"application/pdf" in c.event.raw_body
    ]
    assert len(mime_with_pdf) >= 2
    kinds = {row["notice_kind"] for case in CASES for row in case.expected}
    assert kinds == {
        "discontinuance",
        "change",
        "lifecycle_change",
        "packing_withdrawal",
        "reactivation",
    }


def test_precision_and_recall_per_field(
    results: list[tuple[Case, list[NormalizedNotice]]],
) -> None:
    scores = Scores()
    for case, notices in results:
        score_case(case.name, case.expected, notices, scores)
    print("\n" + scores.table())  # shown with -s: the per-field report
    failing = [
        name
        for name in FIELDS
        if scores.fields[name].precision < THRESHOLD or scores.fields[name].recall < THRESHOLD
    ]
    assert not failing, f"fields below {THRESHOLD:.0%}: {failing}\n{scores.table()}\n" + "\n".join(
        scores.errors
    )
    assert scores.fields["mpn"].tp == sum(len(case.expected) for case, _ in results)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_field_carries_evidence(case: Case) -> None:
    for notice in extract_notices(case.event):
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
        for name in notice.inferred_fields:
            assert any(e.field == name and "inferred" in e.location for e in notice.evidence)


def test_same_input_gives_the_same_notices(
    results: list[tuple[Case, list[NormalizedNotice]]],
) -> None:
    for case, notices in results:
        again = extract_notices(case.event)
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
