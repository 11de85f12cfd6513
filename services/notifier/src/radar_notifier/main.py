"""Entry point: ``python -m radar_notifier``."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial

import httpx

from radar_common.bus.worker import Stage
from radar_common.contracts import Assessment, NotificationResult
from radar_common.service import run_main
from radar_common.settings import load_settings
from radar_common.worker_host import WorkerRuntime, host_worker
from radar_notifier.channels import build_channels
from radar_notifier.digest import DigestSender
from radar_notifier.handler import Notifier, notifier_stage
from radar_notifier.routing import load_routes
from radar_notifier.settings import NotifierSettings


async def build(
    settings: NotifierSettings, runtime: WorkerRuntime
) -> Stage[Assessment, NotificationResult]:
    """The notifier stage, with its HTTP client and (when a route digests) the digest sender."""
    assert runtime.pool is not None
    http = await runtime.stack.enter_async_context(
        httpx.AsyncClient(timeout=settings.http_timeout_seconds)
    )
    channels = build_channels(settings, http)
    routes = load_routes(settings.routes_file, list(channels))
    notifier = Notifier(runtime.pool, runtime.bus, channels, routes, settings)
    if routes.has_digests:
        sender = DigestSender(runtime.pool, channels, notifier.limiter, settings, notifier.owner)
        digests = asyncio.create_task(sender.run())

        async def stop_digests() -> None:
            digests.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await digests

        runtime.stack.push_async_callback(stop_digests)
    return notifier_stage(notifier)


async def serve(settings: NotifierSettings, stop: asyncio.Event) -> None:
    """Run the notifier until ``stop`` is set."""
    await host_worker(settings, partial(build, settings), stop, use_database=True)


def main() -> None:
    settings = load_settings(NotifierSettings)
    run_main(lambda stop: serve(settings, stop))
