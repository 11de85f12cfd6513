"""A person confirms or corrects a notice: facts, part roles, identity, with the audit trail."""

from __future__ import annotations

import asyncpg
import pytest

from radar_common.notices.arrivals import record_arrival
from radar_common.notices.errors import InvalidInput, InvalidOperation, VersionConflict
from radar_common.notices.history import history
from radar_common.notices.records import get, revisions_of, sources_of
from radar_common.notices.review import MentionRole, ReviewInput, review_notice
from tests.records.notices import arrival

pytestmark = pytest.mark.integration


async def pending(pool: asyncpg.Pool, mpn: str = "LM358DR", event: str = "e1") -> str:
    notice = arrival(mpn, event=event, review="pending", review_reasons=["LTB date ambiguous"])
    return (await record_arrival(pool, notice)).record.record_id


async def test_confirming_changes_no_fact_but_clears_the_review(pool: asyncpg.Pool) -> None:
    rid = await pending(pool)
    result = await review_notice(pool, rid, ReviewInput(actor="jane", expected_version=1))
    r = result.record
    assert (r.review, r.state, r.review_reasons) == ("confirmed", "new", ())
    assert r.facts_version == 2  # re-assessed with the confirmed facts
    assert result.material == ()
    assert [(c.field, c.before, c.after) for c in result.changes] == [
        ("review", "pending", "confirmed"),
        ("state", "needs_review", "new"),
    ]
    assert result.to_assess == (r,)
    (entry,) = [e for e in await history(pool, rid) if e.action == "reviewed"]
    assert entry.actor == "jane"


async def test_a_corrected_date_is_a_material_change_with_a_revision(pool: asyncpg.Pool) -> None:
    rid = await pending(pool)
    result = await review_notice(
        pool,
        rid,
        ReviewInput(actor="jane", corrections={"last_time_buy_date": "2026-06-05"}, note="EU"),
    )
    assert [(c.field, c.before, c.after) for c in result.material] == [
        ("last_time_buy_date", "2026-05-03", "2026-06-05")
    ]
    assert result.record.review == "corrected"
    revisions = await revisions_of(pool, rid)
    assert [(v["cause"], v["actor"]) for v in revisions] == [("arrival", ""), ("review", "jane")]
    assert revisions[1]["facts"]["last_time_buy_date"] == "2026-06-05"
    assert {c["field"] for c in revisions[1]["changes"]} == {"last_time_buy_date", "review"}


async def test_roles_make_records_for_affected_parts_and_close_the_others(
    pool: asyncpg.Pool,
) -> None:
    rid = await pending(pool, "LM358DR")
    # What was read as affected is the replacement; the real affected parts are two others.
    result = await review_notice(
        pool,
        rid,
        ReviewInput(
            actor="jane",
            mentions=(
                MentionRole("LM358DR", "replacement"),
                MentionRole("LM358DT", "affected"),
                MentionRole("LM358DGKR", "affected"),
            ),
        ),
    )
    assert result.record.state == "closed"
    assert result.record.closed_reason == "review: LM358DR is replacement"
    assert result.closed == (result.record,)
    made = {r.facts.mpn: r for r in result.created}
    assert set(made) == {"LM358DT", "LM358DGKR"}
    assert all(r.facts.notice_number == "PDN 25_0001" for r in made.values())
    assert result.to_assess == result.created
    (source,) = await sources_of(pool, made["LM358DT"].record_id)
    assert (source["source"], source["outcome"]) == ("review", "review")
    roles = {m["mpn"]: m["role"] for m in result.record.mentions}
    assert roles == {"LM358DR": "replacement", "LM358DT": "affected", "LM358DGKR": "affected"}


async def test_a_correction_that_makes_two_records_one_notice_is_refused(
    pool: asyncpg.Pool,
) -> None:
    await record_arrival(pool, arrival("LM358DR", event="a"))
    rid = await pending(pool, "LM358DRX", event="b")
    with pytest.raises(InvalidOperation, match="same notice as record"):
        await review_notice(pool, rid, ReviewInput(actor="jane", corrections={"mpn": "LM358DR"}))
    assert (await get(pool, rid)).facts.mpn == "LM358DRX"  # nothing changed


async def test_refusals(pool: asyncpg.Pool) -> None:
    rid = await pending(pool)
    with pytest.raises(VersionConflict):
        await review_notice(pool, rid, ReviewInput(actor="jane", expected_version=7))
    with pytest.raises(InvalidInput, match="not a date"):
        await review_notice(
            pool, rid, ReviewInput(actor="jane", corrections={"last_ship_date": "soon"})
        )
    with pytest.raises(InvalidInput, match="not correctable"):
        await review_notice(pool, rid, ReviewInput(actor="jane", corrections={"title": "x"}))
    await review_notice(
        pool, rid, ReviewInput(actor="jane", mentions=(MentionRole("LM358DR", "excluded"),))
    )
    with pytest.raises(InvalidOperation, match="closed"):
        await review_notice(pool, rid, ReviewInput(actor="jane"))


async def test_the_audit_trail_refuses_to_be_rewritten(pool: asyncpg.Pool) -> None:
    rid = await pending(pool)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("UPDATE notice_audit SET actor = 'mallory' WHERE record_id = $1", rid)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("DELETE FROM notice_audit WHERE record_id = $1", rid)
