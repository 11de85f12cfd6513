"""Entry point: ``python -m radar_watcher``.

Opens PostgreSQL (running migrations), the sources' HTTP clients and the ingestion client,
serves ``/healthz``, ``/readyz`` and ``/metrics`` on ``RADAR_HTTP_PORT`` (``/metrics`` alone on
``RADAR_METRICS_PORT`` when that is set), then watches until SIGTERM (releasing the lease, so a
standby takes over at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from radar_common.db import connect_pool, migrate
from radar_common.logs import configure_logging
from radar_common.service import run_main, serve_ops
from radar_common.settings import load_settings
from radar_common.telemetry import configure_tracing, shutdown_tracing
from radar_watcher.courier import Courier
from radar_watcher.settings import WatcherSettings
from radar_watcher.sources import build_sources
from radar_watcher.watcher import Watcher

log = logging.getLogger(__name__)


async def serve(settings: WatcherSettings, stop: asyncio.Event) -> None:
    """Run the watcher until ``stop`` is set."""
    name = settings.service_name
    configure_logging(name, settings.log_level, json_lines=settings.log_json)
    configure_tracing(name)
    async with contextlib.AsyncExitStack() as stack:
        pool = await connect_pool(settings.database_url)
        stack.push_async_callback(pool.close)
        await migrate(pool)
        sources = await build_sources(settings, stack)
        client = await stack.enter_async_context(
            httpx.AsyncClient(timeout=settings.http_timeout_seconds)
        )
        watcher = Watcher(pool, settings, sources, Courier.from_settings(settings, pool, client))

        async def db_ok() -> bool:
            return bool(await pool.fetchval("SELECT 1") == 1)

        http = asyncio.create_task(serve_ops(name, {"postgres": db_ok}, settings, stop))
        log.info("watching %s", ", ".join(e.source.name for e in sources))
        try:
            await watcher.run(stop)
        finally:
            stop.set()
            await http
            shutdown_tracing()
    log.info("%s stopped", name)


def main() -> None:
    settings = load_settings(WatcherSettings)
    run_main(lambda stop: serve(settings, stop))
