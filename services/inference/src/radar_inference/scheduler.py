"""The scheduler: finds stale assessments and due reminders, and asks for the work.

Every inference replica runs it; only one leads. Leadership is a PostgreSQL session advisory
lock held on a connection of its own: the replica that takes it leads until its session ends
(the process dies, the connection drops), and the next tick of another replica takes over. The
scheduler itself never assesses: each tick (``RADAR_SCHEDULER_POLL_SECONDS``) it

1. re-computes the catalog-input fingerprints of the open notices when a catalog import was
   noted since the last sweep, or ``RADAR_CATALOG_SWEEP_SECONDS`` passed;
2. publishes a ``remind`` work message for every reminder due today (the reminder is
   assessed as of today);
3. publishes a ``reassess`` work message for every other open notice whose facts, catalog
   inputs or day moved (:func:`radar_common.notices.reassessment.due_reassessments`), and
   remembers it asked (not asked again for ``RADAR_REASSESS_RETRY_SECONDS``).

Two leaders at once (a lock lost during a network partition) only publish the same messages
twice: their ids are stable, JetStream stores each once within its duplicate window, and the
work stage is idempotent beyond it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

import asyncpg

from radar_common.bus.connection import Bus
from radar_common.contracts import NoticeWork
from radar_common.notices.clock import Clock
from radar_common.notices.reassessment import (
    due_reassessments,
    input_fingerprints,
    last_catalog_change,
    mark_requested,
    scheduler_state,
    set_scheduler_state,
)
from radar_common.notices.reminders import due_reminders, parse_offsets
from radar_common.notices.work import reassess, request_work
from radar_inference.settings import InferenceSettings

log = logging.getLogger(__name__)
LEADER_LOCK = 0x7261646172_0001  # "radar" + 1: the notice scheduler
PUBLISH_CHUNK = 200


class Scheduler:
    def __init__(
        self, pool: asyncpg.Pool, bus: Bus, settings: InferenceSettings, clock: Clock
    ) -> None:
        self.pool, self.bus, self.settings, self.clock = pool, bus, settings, clock
        self.offsets = parse_offsets(settings.reminder_offsets_days)
        self._lock_conn: asyncpg.Connection | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop``; lead when the lock is free."""
        try:
            while not stop.is_set():
                try:
                    if await self.lead():
                        await self.tick()
                except Exception:
                    log.exception("scheduler tick failed; trying again at the next one")
                    await self._drop_lock()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.scheduler_poll_seconds)
        finally:
            await self._drop_lock()

    async def lead(self) -> bool:
        """True while this replica holds the leader lock (taken when free)."""
        if self._lock_conn is not None and not self._lock_conn.is_closed():
            return True
        conn = await asyncpg.connect(self.settings.database_url)
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
            self._lock_conn = conn
            log.info("this replica now leads the notice scheduler")
            return True
        await conn.close()
        return False

    async def _drop_lock(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()  # ends the session: the lock is released

    async def tick(self) -> tuple[int, int]:
        """One pass; returns (re-assessments asked for, reminders asked for)."""
        today = self.clock.today()
        last_change = await last_catalog_change(self.pool)
        fingerprints = await self._fingerprints_if_due(last_change)
        reminders = await due_reminders(self.pool, today, self.offsets)
        reminded = {r.record_id for r in reminders}
        due = [
            w
            for w in await due_reassessments(
                self.pool,
                today,
                fingerprints=fingerprints,
                grace_seconds=self.settings.reassess_grace_seconds,
                retry_seconds=self.settings.reassess_retry_seconds,
            )
            # A reminder is itself an assessment as of today: no second one beside it.
            if w.trigger not in ("daily", "catalog") or w.record_id not in reminded
        ]
        await self._publish(
            [reassess(w.record_id, trigger=w.trigger, key=w.key, as_of=today) for w in due]
        )
        await mark_requested(self.pool, due)
        await self._publish(
            [
                NoticeWork(
                    record_id=r.record_id,
                    kind="remind",
                    trigger="reminder",
                    key=r.key,
                    as_of=today.isoformat(),
                    reminder_days=r.days_left,
                    actor="scheduler",
                    part_count=1,
                )
                for r in reminders
            ]
        )
        if fingerprints is not None:  # only now: a failed publish sweeps again next tick
            await set_scheduler_state(self.pool, "catalog_swept", str(last_change))
            await set_scheduler_state(self.pool, "catalog_swept_at", str(time.time()))
        if due or reminders:
            log.info("asked for %d re-assessment(s), %d reminder(s)", len(due), len(reminders))
        return len(due), len(reminders)

    async def _fingerprints_if_due(self, last_change: int) -> dict[str, str] | None:
        """Fingerprints of every open notice, when the catalog may have changed; else None."""
        swept = int(await scheduler_state(self.pool, "catalog_swept") or 0)
        swept_at = float(await scheduler_state(self.pool, "catalog_swept_at") or 0)
        if last_change <= swept and time.time() - swept_at < self.settings.catalog_sweep_seconds:
            return None
        return await input_fingerprints(self.pool)

    async def _publish(self, works: Sequence[NoticeWork]) -> None:
        for start in range(0, len(works), PUBLISH_CHUNK):
            chunk = works[start : start + PUBLISH_CHUNK]
            await asyncio.gather(*(request_work(self.bus, w) for w in chunk))
