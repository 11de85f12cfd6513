"""Which open notices a catalog change touches (fingerprints of their inputs), and why each is
stale."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from radar_common.catalog import import_texts
from radar_common.contracts import Assessment
from radar_common.db import migrate
from radar_common.db.base_numbers import rules_marker
from radar_common.notices.arrivals import record_arrival
from radar_common.notices.assessments import link_assessment
from radar_common.notices.reassessment import (
    catalog_changed,
    due_reassessments,
    input_fingerprints,
    last_catalog_change,
    mark_requested,
)
from tests.inference.catalogs import HAND
from tests.records.notices import arrival

pytestmark = pytest.mark.integration
TODAY = date(2025, 1, 1)


async def notices(pool: asyncpg.Pool) -> dict[str, str]:
    """Records for the parts of the HAND catalog (LM358DR, NE555P in P1) and one not in it."""
    ids = {}
    for mpn in ("LM358DR", "NE555P", "TL072CP"):
        ids[mpn] = (await record_arrival(pool, arrival(mpn, event=mpn))).record.record_id
    return ids


async def assessed_with(pool: asyncpg.Pool, ids: dict[str, str], prints: dict[str, str]) -> None:
    for mpn, rid in ids.items():
        a = Assessment(
            assessment_id=f"{mpn:0<32}"[:32],
            record_id=rid,
            facts_version=1,
            as_of=TODAY.isoformat(),
            severity="medium",
        )
        await link_assessment(pool, a, fingerprint=prints[rid])


async def test_only_the_notices_whose_inputs_changed_are_stale(pool: asyncpg.Pool) -> None:
    await import_texts(pool, HAND)
    ids = await notices(pool)
    before = await input_fingerprints(pool)
    assert set(before) == set(ids.values())
    assert await input_fingerprints(pool) == before  # stable
    await assessed_with(pool, ids, before)
    assert await due_reassessments(pool, TODAY, fingerprints=before) == []

    # NE555P's stock changes: only its notice.
    await import_texts(pool, {"parts.csv": HAND["parts.csv"].replace("1000000,0", "999,0")})
    after = await input_fingerprints(pool)
    changed = {rid for rid in after if after[rid] != before[rid]}
    assert changed == {ids["NE555P"]}
    (work,) = await due_reassessments(pool, TODAY, fingerprints=after)
    assert (work.record_id, work.trigger) == (ids["NE555P"], "catalog")
    await mark_requested(pool, [work])
    assert await due_reassessments(pool, TODAY, fingerprints=after) == []  # asked for already

    # P1's demand changes: both parts it uses; the part outside the catalog stays as it was.
    products = HAND["products.csv"].replace("100.00,10,", "100.00,12,")
    await import_texts(pool, {"products.csv": products})
    demand = await input_fingerprints(pool)
    assert {rid for rid in demand if demand[rid] != after[rid]} == {
        ids["LM358DR"],
        ids["NE555P"],
    }
    # The part nobody stocked arrives in the catalog: its notice can now match.
    parts = HAND["parts.csv"] + "TL072CP,Texas Instruments,0.40,50,0,active\n"
    await import_texts(pool, {"parts.csv": parts})
    arrived = await input_fingerprints(pool)
    assert arrived[ids["TL072CP"]] != demand[ids["TL072CP"]]


async def test_facts_ahead_and_days_passing_make_work(pool: asyncpg.Pool) -> None:
    await import_texts(pool, HAND)
    ids = await notices(pool)
    # Never assessed: facts version 1 ahead of 0, once the grace period is over.
    assert await due_reassessments(pool, TODAY, grace_seconds=3600) == []
    fresh = await due_reassessments(pool, TODAY, grace_seconds=0)
    assert {(w.record_id, w.trigger, w.key) for w in fresh} == {
        (rid, "revision", "facts:1") for rid in ids.values()
    }
    prints = await input_fingerprints(pool)
    await assessed_with(pool, ids, prints)
    tomorrow = await due_reassessments(pool, date(2025, 1, 2), grace_seconds=0)
    assert {w.trigger for w in tomorrow} == {"daily"}
    assert len(tomorrow) == 3


async def test_imports_are_noted(pool: asyncpg.Pool) -> None:
    assert await last_catalog_change(pool) == 0
    first = await catalog_changed(pool, "api")
    assert await catalog_changed(pool, "cli") > first
    assert await last_catalog_change(pool) == first + 1


async def test_match_keys_follow_the_part_number_rules(pool: asyncpg.Pool) -> None:
    """A record keeps the numbers the matcher tries (the base under the maker's convention);
    after a change of the rules, the next migrate() recomputes what an older version stored."""
    record = (await record_arrival(pool, arrival("LM358DR"))).record
    stored = "SELECT match_keys FROM notices WHERE record_id = $1"
    assert await pool.fetchval(stored, record.record_id) == ["LM358D", "LM358DR"]
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE notices SET match_keys = '{LM358DR}' WHERE record_id = $1", record.record_id
        )
        await conn.execute("DELETE FROM schema_migrations WHERE version = $1", rules_marker())
    await migrate(pool)  # the next start of any service
    assert await pool.fetchval(stored, record.record_id) == ["LM358D", "LM358DR"]
