"""The watcher's loop: win the lease, then run every source's cycles and the courier.

Every replica competes for the lease; the holder runs one cycle loop per source (the catalog
source every ``RADAR_WATCHER_CATALOG_INTERVAL_SECONDS``, remote sources every
``RADAR_WATCHER_INTERVAL_SECONDS``, spread over it) and delivers the changes they record.
Losing the lease cancels all of it at once; standbys keep trying to take it. Every replica
exports the sources' health from the database, so the dashboards do not depend on which one
leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import asyncpg

from radar_watcher import metrics, records
from radar_watcher.courier import Courier
from radar_watcher.cycle import CycleRunner, Pacing
from radar_watcher.lease import Lease, LeaseLost
from radar_watcher.schedule import next_cycle_at
from radar_watcher.settings import WatcherSettings
from radar_watcher.sources import Enabled
from radar_watcher.throttle import Throttle

log = logging.getLogger(__name__)
HEALTH_REFRESH_SECONDS = 15.0
DATABASE_RETRY_SECONDS = 5.0


def pacing_of(settings: WatcherSettings, *, by_hand: bool = False) -> Pacing:
    span = settings.watcher_interval_seconds * settings.watcher_spread
    return Pacing(
        span_seconds=0.0 if by_hand else span,
        error_backoff_seconds=settings.watcher_error_backoff_seconds,
        give_up_on_error=by_hand,
        page_parts=settings.watcher_page_parts,
        attempts=settings.provider_attempts,
        retry_max_seconds=settings.retry_max_seconds,
    )


class Watcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: WatcherSettings,
        sources: list[Enabled],
        courier: Courier,
        lease: Lease | None = None,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.sources = sources
        self.courier = courier
        self.lease = lease or Lease(pool, settings.watcher_lease_seconds)
        self.throttles = {e.source.name: Throttle(e.source.name, e.limits) for e in sources}
        self.runner = CycleRunner(pool, self.lease, pacing_of(settings), courier.wake.set)
        self.leading = False

    async def run(self, stop: asyncio.Event) -> None:
        """Lead when possible, stand by otherwise, until ``stop`` is set."""
        health = asyncio.create_task(self._export_health())
        try:
            while not stop.is_set():
                if await self._try_acquire():
                    log.info("lease taken by %s: polling", self.lease.holder)
                    await self._lead(stop)
                    log.info("%s stopped polling", self.lease.holder)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.watcher_lease_seconds / 3)
        finally:
            health.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await health

    async def _try_acquire(self) -> bool:
        try:
            return await self.lease.acquire()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("cannot reach the database for the lease: %r", exc)
            return False

    async def _lead(self, stop: asyncio.Event) -> None:
        metrics.LEADER.set(1)
        self.leading = True
        try:
            async with asyncio.TaskGroup() as group:
                stopper = group.create_task(stop.wait())
                keeper = group.create_task(self.lease.keep())
                work = [group.create_task(self._watch(e)) for e in self.sources]
                work.append(group.create_task(self.courier.run()))
                await asyncio.wait([stopper, keeper], return_when=asyncio.FIRST_COMPLETED)
                for task in (stopper, keeper, *work):
                    task.cancel()
        except* LeaseLost as lost:
            log.warning("lease lost: %s", lost.exceptions[0])
        finally:
            metrics.LEADER.set(0)
            self.leading = False
        if stop.is_set():
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await self.lease.release()

    async def _watch(self, enabled: Enabled) -> None:
        """Cycles of one source, forever: resume an open one, else wait for the next."""
        name = enabled.source.name
        interval = (
            self.settings.watcher_interval_seconds
            if enabled.remote
            else self.settings.watcher_catalog_interval_seconds
        )
        while True:
            try:
                async with self.pool.acquire() as conn:
                    state = await records.cycle_state(conn, name)
                if not state.in_progress:
                    due = next_cycle_at(state.started_at, state.finished_at, interval)
                    wait = (due - datetime.now(UTC)).total_seconds() if due else 0.0
                    if wait > 0:
                        await asyncio.sleep(wait)
                await self.runner.run(enabled, self.throttles[name])
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # The database is away: the page in hand was not recorded; ask it again later.
                log.warning("%s paused, database unreachable: %r", name, exc)
                await asyncio.sleep(DATABASE_RETRY_SECONDS)

    async def _export_health(self) -> None:
        """Every replica: each source's last success and allowance, from the database."""
        names = [e.source.name for e in self.sources]
        while True:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                for row in await self.pool.fetch(
                    "SELECT source, extract(epoch FROM last_success_at) AS ok,"
                    " coalesce(extract(epoch FROM failing_since), 0) AS failing, checked, total"
                    " FROM watcher_sources WHERE source = ANY($1::text[])",
                    names,
                ):
                    metrics.LAST_SUCCESS.labels(row["source"]).set(float(row["ok"]))
                    metrics.FAILING_SINCE.labels(row["source"]).set(float(row["failing"]))
                    if not self.leading:  # the leader sets these as it goes
                        metrics.CYCLE_PROGRESS.labels(row["source"]).set(row["checked"])
                        metrics.CYCLE_TOTAL.labels(row["source"]).set(row["total"])
            await asyncio.sleep(HEALTH_REFRESH_SECONDS)
