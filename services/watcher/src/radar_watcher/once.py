"""One cycle of every source, now, as fast as the providers allow (``radar watch --once``).

It takes the same lease as the service, so it never polls alongside a running watcher; it
continues a source's open cycle (a by-hand run is not a second cycle) or starts one, gives up
on a source that keeps failing instead of waiting, and delivers what it found before it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import httpx

from radar_common.db import connect_pool, migrate
from radar_watcher.courier import Courier, Delivered, KeyRefused, Unavailable
from radar_watcher.cycle import CycleReport, CycleRunner, Progress, SourceFailed
from radar_watcher.lease import Holder, Lease
from radar_watcher.settings import WatcherSettings
from radar_watcher.sources import build_sources
from radar_watcher.throttle import Throttle
from radar_watcher.watcher import pacing_of


class LeaseBusy(RuntimeError):
    """A running watcher holds the lease: a by-hand cycle would poll twice."""

    def __init__(self, holder: Holder | None) -> None:
        who = f"{holder.holder} for {holder.seconds_left:.0f} s more" if holder else "another"
        super().__init__(f"the lease is held by {who}; stop that watcher or wait")


@dataclass
class OnceResult:
    cycles: list[CycleReport] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    delivered: list[Delivered] = field(default_factory=list)
    undelivered: str = ""


async def run_once(settings: WatcherSettings, progress: Progress | None = None) -> OnceResult:
    """Run one cycle per enabled source and deliver the changes found."""
    result = OnceResult()
    async with contextlib.AsyncExitStack() as stack:
        pool = await connect_pool(settings.database_url, attempts=3)
        stack.push_async_callback(pool.close)
        await migrate(pool)
        lease = Lease(pool, settings.watcher_lease_seconds)
        if not await lease.acquire():
            raise LeaseBusy(await lease.current())
        stack.push_async_callback(lease.release)
        keeper = asyncio.create_task(lease.keep())
        try:
            sources = await build_sources(settings, stack)
            runner = CycleRunner(pool, lease, pacing_of(settings, by_hand=True))
            outcomes = await asyncio.gather(
                *(runner.run(e, Throttle(e.source.name, e.limits), progress) for e in sources),
                return_exceptions=True,
            )
            for enabled, outcome in zip(sources, outcomes, strict=True):
                if isinstance(outcome, CycleReport):
                    result.cycles.append(outcome)
                elif isinstance(outcome, SourceFailed):
                    result.failed[enabled.source.name] = str(outcome)
                else:
                    raise outcome
            client = await stack.enter_async_context(
                httpx.AsyncClient(timeout=settings.http_timeout_seconds)
            )
            try:
                result.delivered = await Courier.from_settings(
                    settings, pool, client
                ).deliver_pending()
            except (Unavailable, KeyRefused) as exc:
                result.undelivered = str(exc)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
    return result
