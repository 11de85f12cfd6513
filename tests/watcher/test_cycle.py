"""Cycles against a real PostgreSQL and the fake providers: what gets recorded and announced."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from datetime import UTC, datetime

import asyncpg
import pytest
from starlette.responses import Response

from radar_watcher import records
from radar_watcher.cycle import Pacing, SourceFailed
from radar_watcher.lease import Lease, LeaseLost
from radar_watcher.sources import Enabled, Limits
from radar_watcher.sources.catalog import CatalogSource
from radar_watcher.sources.protocol import Observation
from radar_watcher.throttle import Throttle
from tests.watcher.conftest import import_parts, numbered
from tests.watcher.harness import (
    changes,
    observation,
    run_cycle,
    serving,
    settings_for,
    sources_for,
)
from tests.watcher.providers import DigiKey, Mouser, Nexar, Part, SiliconExpert, settings_env

pytestmark = pytest.mark.integration
CATALOG = Enabled(CatalogSource(), Limits(), remote=False)


async def test_first_import_is_the_baseline_and_a_changed_status_is_one_change(
    pool: asyncpg.Pool, lease: Lease
) -> None:
    rows = numbered(30)
    await import_parts(pool, rows)
    report = await run_cycle(pool, lease, CATALOG)
    assert (report.checked, report.changes, report.finished) == (30, 0, True)
    assert await changes(pool) == []

    rows[7] = (rows[7][0], rows[7][1], "eol")
    await import_parts(pool, rows)
    report = await run_cycle(pool, lease, CATALOG)
    assert (report.checked, report.changes) == (1, 1), "only the changed part is read"
    (change,) = await changes(pool)
    assert (change["mpn"], change["kind"], change["old_status"], change["new_status"]) == (
        "WT000007",
        "lifecycle_change",
        "active",
        "eol",
    )
    body = change["payload"]
    assert body["source_platform"] == "catalog"
    assert body["part_number"] == "WT000007"
    assert body["manufacturer_code"] == "Example Semiconductor"
    assert (body["previous_lifecycle_status"], body["lifecycle_status"]) == ("active", "eol")
    assert body["notice_kind"] == "lifecycle_change"
    assert body["idempotency_key"] == change["change_id"]

    # The same import again: nothing new to read, nothing announced.
    await import_parts(pool, rows)
    report = await run_cycle(pool, lease, CATALOG)
    assert (report.checked, report.changes) == (0, 0)
    assert len(await changes(pool)) == 1


async def test_a_part_without_manufacturer_is_announced_with_the_sources(
    pool: asyncpg.Pool, lease: Lease
) -> None:
    await import_parts(pool, [("NOMAKER-1", "", "active"), ("NOMAKER-2", "", "active")])
    await run_cycle(pool, lease, CATALOG)
    nexar = Nexar([Part("NOMAKER-1", "Texas Instruments Inc.", "eol")])
    with serving(nexar) as served:
        async with contextlib.AsyncExitStack() as stack:
            sources = await sources_for(settings_for(settings_env(served)), stack)
            await run_cycle(pool, lease, sources["nexar"])
    await import_parts(pool, [("NOMAKER-1", "", "eol"), ("NOMAKER-2", "", "eol")])
    await run_cycle(pool, lease, CATALOG)
    makers = {c["mpn"]: c["payload"]["manufacturer_code"] for c in await changes(pool)}
    # ComponentAlert needs a manufacturer: the provider's, else "unknown", never empty.
    assert makers == {"NOMAKER-1": "Texas Instruments", "NOMAKER-2": "unknown"}


async def test_reactivation_and_statuses_already_known(pool: asyncpg.Pool, lease: Lease) -> None:
    rows = [("PA-1", "Texas Instruments", "eol"), ("PA-2", "TI", "nrnd"), ("PA-3", "TI", "")]
    await import_parts(pool, rows)
    await run_cycle(pool, lease, CATALOG)
    await import_parts(
        pool,
        [
            ("PA-1", "Texas Instruments", "active"),
            ("PA-2", "TI", "obsolete"),
            ("PA-3", "TI", "active"),
        ],
    )
    await run_cycle(pool, lease, CATALOG)
    found = {(c["mpn"], c["kind"], c["old_status"], c["new_status"]) for c in await changes(pool)}
    # An unknown status becoming active is no news; NRND to obsolete is.
    assert found == {
        ("PA-1", "reactivation", "eol", "active"),
        ("PA-2", "lifecycle_change", "nrnd", "obsolete"),
    }
    by_mpn = {c["mpn"]: c["payload"] for c in await changes(pool)}
    assert by_mpn["PA-2"]["manufacturer_code"] == "Texas Instruments", "canonical name"


async def test_remote_sources_disagree_shown_and_one_change_announced(
    pool: asyncpg.Pool, lease: Lease
) -> None:
    await import_parts(
        pool, [("LM358DR", "Texas Instruments", "active"), ("NE555P", "TI", "active")]
    )
    nexar = Nexar(
        [Part("LM358DR", "Texas Instruments", "eol"), Part("NE555P", "Texas Instruments")]
    )
    mouser = Mouser(
        [Part("LM358DR", "Texas Instruments", "active"), Part("NE555P", "Texas Instruments")]
    )
    with serving(nexar, mouser) as served:
        async with contextlib.AsyncExitStack() as stack:
            sources = await sources_for(settings_for(settings_env(served)), stack)
            await run_cycle(pool, lease, sources["mouser"])
            assert await changes(pool) == []
            await run_cycle(pool, lease, sources["nexar"])
            (change,) = await changes(pool)
            assert (change["source"], change["mpn"], change["new_status"]) == (
                "nexar",
                "LM358DR",
                "eol",
            )
            body = change["payload"]
            assert body["sources_disagree"] is True
            said = {s["source"]: (s["status"], s["status_raw"]) for s in body["sources"]}
            assert said["nexar"] == ("eol", "EOL (Last Updated: 3 days ago)")
            assert said["mouser"] == ("active", "")
            assert said["catalog"] == ("active", "active")
            assert body["raw_context"]["record"]["mpn"] == "LM358DR"

            # Mouser catches up: the same change, already announced.
            mouser.set_status("LM358DR", "eol")
            await run_cycle(pool, lease, sources["mouser"])
            assert len(await changes(pool)) == 1
            assert (await observation(pool, "mouser", "LM358DR"))["status"] == "eol"

            # Nexar takes it back, Mouser still says EOL: no reactivation (never averaged).
            nexar.set_status("LM358DR", "active")
            await run_cycle(pool, lease, sources["nexar"])
            assert len(await changes(pool)) == 1
            mouser.set_status("LM358DR", "active")
            await run_cycle(pool, lease, sources["mouser"])
            last = (await changes(pool))[-1]
            assert (last["kind"], last["old_status"], last["new_status"]) == (
                "reactivation",
                "eol",
                "active",
            )


async def test_a_newly_published_last_time_buy_date_is_a_change(
    pool: asyncpg.Pool, lease: Lease
) -> None:
    await import_parts(pool, [("AD8605ARTZ", "Analog Devices", "nrnd")])
    se = SiliconExpert([Part("AD8605ARTZ", "Analog Devices Inc.", "nrnd")])
    with serving(se) as served:
        async with contextlib.AsyncExitStack() as stack:
            sources = await sources_for(settings_for(settings_env(served)), stack)
            await run_cycle(pool, lease, sources["siliconexpert"])
            assert await changes(pool) == [], "NRND was already known"
            se.set_status("AD8605ARTZ", "nrnd", last_time_buy="2027-03-31")
            await run_cycle(pool, lease, sources["siliconexpert"])
            (change,) = await changes(pool)
            assert (change["old_status"], change["new_status"]) == ("nrnd", "nrnd")
            assert change["payload"]["last_time_buy_date"] == "2027-03-31"
            await run_cycle(pool, lease, sources["siliconexpert"])
            assert len(await changes(pool)) == 1, "the same date again is no news"


async def test_retry_after_is_honoured_and_the_page_is_not_lost(
    pool: asyncpg.Pool, lease: Lease
) -> None:
    await import_parts(pool, numbered(12))
    mouser = Mouser([Part(m, maker, "active") for m, maker, _ in numbered(12)])
    mouser.fail_next(429, Retry_After="1")
    with serving(mouser) as served:
        async with contextlib.AsyncExitStack() as stack:
            sources = await sources_for(settings_for(settings_env(served)), stack)
            started = time.monotonic()
            report = await run_cycle(pool, lease, sources["mouser"])
            waited = time.monotonic() - started
    assert report.checked == 12
    assert waited >= 1.0, "the 429's Retry-After was not waited out"
    assert mouser.requests == 3, "one refused, then 10 + 2 parts"
    assert set(mouser.asked.values()) == {1}


async def test_an_outage_is_retried_with_backoff_then_given_up_after_the_attempts(
    pool: asyncpg.Pool, lease: Lease
) -> None:
    await import_parts(pool, numbered(12))
    mouser = Mouser([Part(m, maker, "active") for m, maker, _ in numbered(12)])
    mouser.fail_next(503, count=2)
    with serving(mouser) as served:
        async with contextlib.AsyncExitStack() as stack:
            source = (await sources_for(settings_for(settings_env(served)), stack))["mouser"]
            started = time.monotonic()
            report = await run_cycle(pool, lease, source)
            waited = time.monotonic() - started
            assert report.checked == 12
            assert waited >= 3.0, "backoff 1 s then 2 s between the three tries"
            assert mouser.requests == 4, "two 503s, then 10 + 2 parts"
            assert set(mouser.asked.values()) == {1}
            # A new cycle against a source that stays down: exactly `attempts` tries, then
            # the by-hand cycle gives up and says why.
            mouser.fail_next(503, count=10)
            pacing = Pacing(give_up_on_error=True, attempts=3, retry_max_seconds=0.5)
            with pytest.raises(SourceFailed, match="mouser answered 503"):
                await run_cycle(pool, lease, source, pacing)
    assert mouser.requests == 4 + 3
    assert set(mouser.asked.values()) == {1}, "nothing recorded from the refused page"


async def test_quota_spent_waits_or_gives_up_by_hand(pool: asyncpg.Pool, lease: Lease) -> None:
    await import_parts(pool, numbered(5))
    digikey = DigiKey([Part(m, maker) for m, maker, _ in numbered(5)], per_day=3)
    with serving(digikey) as served:
        async with contextlib.AsyncExitStack() as stack:
            settings = settings_for(settings_env(served), watcher_page_parts=1)
            sources = await sources_for(settings, stack)
            pacing = Pacing(give_up_on_error=True, page_parts=1)
            with pytest.raises(SourceFailed, match=r"allowance used up .* provider reports 0 left"):
                await run_cycle(pool, lease, sources["digikey"], pacing)
    health = "SELECT checked, quota_remaining, last_error, failing_since FROM watcher_sources"
    row = await pool.fetchrow(health)
    assert row is not None
    assert row["checked"] == 3
    assert row["quota_remaining"] == 0
    assert "used up" in row["last_error"]
    assert row["failing_since"] is not None, "what the day-long failure alert reads"
    assert digikey.asked.total() == 3, "no request beyond the allowance"
    # A new day's allowance: the same cycle goes on and the source is healthy again.
    await pool.execute("UPDATE watcher_sources SET quota_window = '', quota_remaining = NULL")
    digikey.used_today = 0
    with serving(digikey) as served:
        async with contextlib.AsyncExitStack() as stack:
            settings = settings_for(settings_env(served), watcher_page_parts=1)
            report = await run_cycle(pool, lease, (await sources_for(settings, stack))["digikey"])
    assert (report.cycle, report.finished) == (1, True)
    row = await pool.fetchrow(health)
    assert row is not None
    assert row["checked"] == 5
    assert row["failing_since"] is None


async def test_a_cycle_is_spread_over_its_span(pool: asyncpg.Pool, lease: Lease) -> None:
    await import_parts(pool, numbered(40))
    mouser = Mouser([Part(m, maker) for m, maker, _ in numbered(40)])
    stamps: list[float] = []
    original = mouser.gate

    def stamped() -> Response | None:
        stamps.append(time.monotonic())
        return original()

    mouser.gate = stamped  # type: ignore[method-assign]  # time every search request
    with serving(mouser) as served:
        async with contextlib.AsyncExitStack() as stack:
            sources = await sources_for(settings_for(settings_env(served)), stack)
            started = time.monotonic()
            await run_cycle(pool, lease, sources["mouser"], Pacing(span_seconds=2.0))
    offsets = [s - started for s in stamps]
    assert len(offsets) == 4
    # Page k (of 4) may not start before k/4 of the span: spread, not a burst.
    for k, offset in enumerate(offsets):
        assert offset >= 2.0 * k / 4 - 0.05, offsets


async def test_a_replica_that_lost_the_lease_records_nothing(
    pool: asyncpg.Pool, lease: Lease
) -> None:
    await import_parts(pool, numbered(3))
    await pool.execute("UPDATE watcher_lease SET expires_at = now() - interval '1 second'")
    other = Lease(pool, 30.0, holder="other-replica")
    assert await other.acquire()
    with pytest.raises(LeaseLost):
        await run_cycle(pool, lease, CATALOG)
    assert await pool.fetchval("SELECT count(*) FROM watcher_observations") == 0


async def test_requests_are_spaced_to_the_rate_limit() -> None:
    throttle = Throttle("x", Limits(600.0))
    loop = asyncio.get_running_loop()
    times = []
    for _ in range(4):
        await throttle.request_slot()
        times.append(loop.time())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(g >= 0.1 for g in gaps), gaps  # 600 a minute: 0.1 s apart, never a burst


async def test_only_moved_views_are_recombined(pool: asyncpg.Pool) -> None:
    now = datetime.now(UTC)
    first = [Observation("RC-1", "active", "Production"), Observation("RC-2", "eol", "EOL")]
    again = [Observation("RC-1", "active", "Production"), Observation("RC-2", "nrnd", "NRND")]
    async with pool.acquire() as conn, conn.transaction():
        assert await records._upsert(conn, "nexar", first, now) == {"RC-1": True, "RC-2": True}
    async with pool.acquire() as conn, conn.transaction():
        # The same view again is not news; a revised one is, and is no first view.
        assert await records._upsert(conn, "nexar", again, now) == {"RC-2": False}
