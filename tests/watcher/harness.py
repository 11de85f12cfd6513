"""Running the watcher's pieces against served fake providers and a real database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg

from radar_watcher.cycle import CycleReport, CycleRunner, Pacing
from radar_watcher.lease import Lease
from radar_watcher.settings import WatcherSettings
from radar_watcher.sources import Enabled, build_sources
from radar_watcher.throttle import Throttle
from tests.watcher.providers import PROVIDERS, Part, Provider, Served


def settings_for(env: dict[str, str], **extra: Any) -> WatcherSettings:
    """Settings as the watcher would read them from ``env`` (RADAR_ variables)."""
    values: dict[str, Any] = {k.removeprefix("RADAR_").lower(): v for k, v in env.items()}
    values.update(extra)
    return WatcherSettings(**values)


@contextlib.contextmanager
def serving(*providers: Provider) -> Iterator[dict[str, Served]]:
    with contextlib.ExitStack() as stack:
        yield {p.name: stack.enter_context(Served(p)) for p in providers}


def fake(name: str, parts: list[Part], **options: Any) -> Provider:
    return PROVIDERS[name](parts, **options)


async def sources_for(
    settings: WatcherSettings, stack: contextlib.AsyncExitStack
) -> dict[str, Enabled]:
    return {e.source.name: e for e in await build_sources(settings, stack)}


async def run_cycle(
    pool: asyncpg.Pool, lease: Lease, enabled: Enabled, pacing: Pacing | None = None
) -> CycleReport:
    runner = CycleRunner(pool, lease, pacing or Pacing(error_backoff_seconds=0.2))
    return await runner.run(enabled, Throttle(enabled.source.name, enabled.limits))


async def changes(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Every recorded change, oldest first, with its payload decoded."""
    rows = await pool.fetch(
        "SELECT change_id, source, mpn, kind, old_status, new_status, payload::text AS payload,"
        " state FROM watcher_changes ORDER BY seq"
    )
    return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]


async def observation(pool: asyncpg.Pool, source: str, mpn: str) -> dict[str, Any]:
    row = await pool.fetchrow(
        "SELECT status, status_raw, found, raw::text AS raw, seen_at, last_time_buy_date"
        " FROM watcher_observations WHERE source = $1 AND mpn = $2",
        source,
        mpn,
    )
    assert row is not None, f"{source} never recorded {mpn}"
    return {**dict(row), "raw": json.loads(row["raw"])}


def query(database_url: str, sql: str) -> list[dict[str, Any]]:
    """Rows of ``sql`` from a test that runs the watcher as a process (no event loop of its own)."""

    async def run() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(database_url)
        try:
            return [dict(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(run())


def wait_until(
    check: Callable[[], Any], timeout: float = 120.0, what: str = "", every: float = 0.1
) -> Any:
    """The first truthy value of ``check()``, polled every ``every`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"not reached in {timeout:.0f}s: {what}")
