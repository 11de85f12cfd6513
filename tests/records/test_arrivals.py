"""One notice however many times it arrives: identity, merges, revisions, closures (PostgreSQL)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from radar_common.contracts import NormalizedNotice
from radar_common.notices.arrivals import record_arrival
from radar_common.notices.history import history
from radar_common.notices.records import get, sources_of
from tests.records.notices import arrival

pytestmark = pytest.mark.integration


async def test_a_new_notice_is_a_record_with_its_evidence_and_source(pool: asyncpg.Pool) -> None:
    a = await record_arrival(pool, arrival(), source_format="canonical")
    assert (a.outcome, a.duplicate, a.needs_assessment) == ("new", False, True)
    r = a.record
    assert (r.state, r.review, r.facts.mpn, r.sources_count) == ("new", "", "LM358DR", 1)
    assert r.evidence[0]["page"] == 1
    assert r.evidence[0]["attachment"] == "PDN.pdf"
    assert r.mentions == [{"mpn": "LM358DR", "role": "affected", "confidence": 0.9}]
    (source,) = await sources_of(pool, r.record_id)
    assert (source["source"], source["format"], source["outcome"]) == (
        "siliconexpert",
        "canonical",
        "new",
    )
    assert [e.action for e in await history(pool, r.record_id)] == ["recorded"]
    summary = a.summary()
    assert summary["record_id"] == r.record_id
    assert (summary["outcome"], summary["kind"], summary["review"]) == ("new", "discontinuance", "")


async def test_a_redelivery_changes_nothing(pool: asyncpg.Pool) -> None:
    first = await record_arrival(pool, arrival())
    again = await record_arrival(pool, arrival())
    assert again.duplicate
    assert (again.outcome, again.record.record_id) == ("new", first.record.record_id)
    assert again.record.sources_count == 1
    assert len(await history(pool, first.record.record_id)) == 1


async def test_the_same_pdn_from_a_platform_and_from_the_vendor_is_one_record(
    pool: asyncpg.Pool,
) -> None:
    platform = await record_arrival(pool, arrival(notice_number="PDN 25_0001", confidence=0.7))
    # The vendor's e-mail writes the number differently and says less about the dates.
    mail = await record_arrival(
        pool,
        arrival(
            source="email_gateway",
            event="mail-1",
            notice_number="pdn-25-0001",
            last_ship_date="",
            confidence=0.6,
        ),
    )
    assert mail.outcome == "merged"
    assert mail.record.record_id == platform.record.record_id
    assert mail.record.sources_count == 2
    assert mail.record.confidence == pytest.approx(1 - 0.3 * 0.4)  # noisy-or: it rises
    assert mail.record.facts.last_ship_date == "2026-11-01"  # what the mail left out is kept
    assert mail.record.facts_version == 1  # nothing material: no new version, no new alert
    assert [s["outcome"] for s in await sources_of(pool, mail.record.record_id)] == [
        "new",
        "merged",
    ]


async def test_a_revision_that_moves_the_ltb_is_revised_with_old_and_new(
    pool: asyncpg.Pool,
) -> None:
    first = await record_arrival(pool, arrival())
    revised = await record_arrival(
        pool, arrival(event="rev-b", revision="Rev B", last_time_buy_date="2026-08-01")
    )
    assert revised.outcome == "revised"
    assert [(c.field, c.before, c.after) for c in revised.changes] == [
        ("last_time_buy_date", "2026-05-03", "2026-08-01")
    ]
    r = revised.record
    assert (r.record_id, r.facts_version, r.facts.revision) == (first.record.record_id, 2, "Rev B")
    trail = await history(pool, r.record_id)
    assert [e.action for e in trail] == ["recorded", "revised"]
    assert trail[1].before == {"last_time_buy_date": "2026-05-03", "revision": ""}
    # An older revision arriving late is kept as a source and changes nothing.
    late = await record_arrival(
        pool, arrival(event="rev-a", revision="Rev A", last_time_buy_date="2026-01-01")
    )
    assert late.outcome == "stale"
    assert late.record.facts.last_time_buy_date == "2026-08-01"


async def test_an_inferred_date_replaced_by_a_stated_one_is_a_revision(
    pool: asyncpg.Pool,
) -> None:
    await record_arrival(
        pool,
        arrival(last_time_buy_date="2025-07-01", inferred_fields=["last_time_buy_date"]),
    )
    stated = await record_arrival(pool, arrival(event="e2", last_time_buy_date="2026-01-15"))
    assert stated.outcome == "revised"
    (change,) = stated.changes
    assert (change.before, change.after) == ("2025-07-01 (inferred)", "2026-01-15")
    assert stated.record.facts.inferred_fields == ()


async def test_a_lifecycle_change_joins_the_open_notice_of_its_part(pool: asyncpg.Pool) -> None:
    notice = await record_arrival(pool, arrival())
    status = await record_arrival(
        pool,
        arrival(
            source="watcher",
            event="w1",
            notice_number="",
            notice_kind="lifecycle_change",
            lifecycle_status="obsolete",
            issue_date="",
            last_time_buy_date="",
            last_ship_date="",
        ),
    )
    assert status.outcome == "merged"
    assert status.record.record_id == notice.record.record_id
    assert status.record.facts.notice_kind == "discontinuance"  # a status never changes the kind
    assert status.record.facts.lifecycle_status == "obsolete"


async def test_a_reactivation_closes_the_open_notice(pool: asyncpg.Pool) -> None:
    notice = await record_arrival(pool, arrival())
    back = await record_arrival(
        pool,
        arrival(
            event="react",
            notice_number="",
            notice_kind="reactivation",
            lifecycle_status="active",
            last_time_buy_date="",
            last_ship_date="",
        ),
    )
    assert back.outcome == "closed"
    assert back.record.record_id == notice.record.record_id
    assert (back.record.state, back.record.closed_reason) == (
        "closed",
        "reactivated by the manufacturer",
    )
    # A later status report about the part starts a record of its own.
    again = await record_arrival(
        pool,
        arrival(
            event="w2",
            notice_number="",
            notice_kind="lifecycle_change",
            last_time_buy_date="",
            last_ship_date="",
        ),
    )
    assert again.outcome == "new"
    assert again.record.record_id != notice.record.record_id


def status_report(mpn: str, event: str, status: str) -> NormalizedNotice:
    """A lifecycle watcher's report: a status, no notice number, no dates."""
    return arrival(
        mpn,
        event=event,
        source="watcher",
        notice_number="",
        notice_kind="lifecycle_change",
        lifecycle_status=status,
        issue_date="",
        last_time_buy_date="",
        last_ship_date="",
    )


async def test_a_status_report_that_the_part_is_active_closes_its_notice(
    pool: asyncpg.Pool,
) -> None:
    notice = await record_arrival(pool, arrival())
    made = await record_arrival(pool, status_report("LM358DR", "w1", "active"))
    assert (made.outcome, made.record.record_id) == ("closed", notice.record.record_id)
    assert made.record.closed_reason == "reactivated by the manufacturer"
    alone = await record_arrival(pool, status_report("NE555P", "w2", "active"))
    assert (alone.outcome, alone.record.state) == ("new", "closed")


async def test_a_retraction_closes_the_notice_it_withdraws(pool: asyncpg.Pool) -> None:
    notice = await record_arrival(pool, arrival())
    withdrawal = await record_arrival(
        pool,
        arrival(
            event="cancel",
            notice_number="PCN 25_0009",
            notice_kind="retraction",
            supersedes=["PDN 25_0001"],
        ),
    )
    assert withdrawal.outcome == "closed"
    assert withdrawal.record.record_id == notice.record.record_id
    assert withdrawal.record.closed_reason == "retracted by PCN 25_0009"
    nothing = await record_arrival(
        pool, arrival("NE555P", event="cancel-2", notice_kind="retraction", supersedes=["X1"])
    )
    assert (nothing.outcome, nothing.record.state) == ("retracted", "closed")


async def test_a_revision_removing_a_part_closes_that_parts_record(pool: asyncpg.Pool) -> None:
    first = await record_arrival(pool, arrival("LM358DR"))
    other = await record_arrival(pool, arrival("LM2904DR"))
    rev = await record_arrival(
        pool,
        arrival(
            "LM358DR",
            event="rev",
            revision="R01",
            mentions=[("LM358DR", "affected"), ("LM2904DR", "excluded")],
        ),
    )
    assert rev.record.record_id == first.record.record_id
    (closed,) = rev.closed
    assert closed.record_id == other.record.record_id
    assert closed.state == "closed"
    assert closed.closed_reason == "removed from the notice by PDN 25_0001 R01"


async def test_without_a_number_the_fallback_key_identifies_the_notice(
    pool: asyncpg.Pool,
) -> None:
    a = await record_arrival(pool, arrival(notice_number=""))
    b = await record_arrival(pool, arrival(notice_number="", event="e2", source="accuris"))
    assert b.outcome == "merged"
    assert b.record.record_id == a.record.record_id
    assert (
        a.record.identity_key
        == "f|texasinstruments|LM358DR|discontinuance|2025-01-01|2026-05-03|2026-11-01"
    )
    # A numbered copy with the same dates adopts the record and gives it its number.
    c = await record_arrival(pool, arrival(event="e3"))
    assert (c.outcome, c.record.record_id) == ("merged", a.record.record_id)
    assert c.record.identity_key == "n|texasinstruments|250001|LM358DR"
    assert (await get(pool, a.record.record_id)).facts.notice_number == "PDN 25_0001"


async def test_a_pending_review_makes_a_record_that_needs_review(pool: asyncpg.Pool) -> None:
    a = await record_arrival(
        pool, arrival(review="pending", review_reasons=["last-time-buy date ambiguous"])
    )
    assert (a.record.state, a.record.review) == ("needs_review", "pending")
    assert a.record.review_reasons == ("last-time-buy date ambiguous",)


async def test_replicas_racing_on_copies_of_one_notice_make_one_record(
    pool: asyncpg.Pool,
) -> None:
    copies = [arrival(event=f"copy-{i}", source=f"s{i}") for i in range(6)]
    results = await asyncio.gather(*(record_arrival(pool, c) for c in copies))
    assert len({r.record.record_id for r in results}) == 1
    assert sorted(r.outcome for r in results) == ["merged"] * 5 + ["new"]
    assert await pool.fetchval("SELECT count(*) FROM notices") == 1
