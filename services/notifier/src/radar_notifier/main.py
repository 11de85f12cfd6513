"""Entry point: ``python -m radar_notifier``."""

from __future__ import annotations

import asyncio

import httpx

from radar_common.bus.worker import Stage
from radar_common.contracts import Assessment, NotificationResult
from radar_common.service import run_main
from radar_common.worker_host import WorkerRuntime, host_worker
from radar_notifier.handler import notifier_stage
from radar_notifier.settings import NotifierSettings


def serve_with(settings: NotifierSettings):  # type: ignore[no-untyped-def]
    async def build(runtime: WorkerRuntime) -> Stage[Assessment, NotificationResult]:
        assert runtime.pool is not None
        http = await runtime.stack.enter_async_context(
            httpx.AsyncClient(timeout=settings.http_timeout_seconds)
        )
        return notifier_stage(runtime.bus.topology, runtime.pool, http, settings)

    return build


async def serve(settings: NotifierSettings, stop: asyncio.Event) -> None:
    await host_worker(settings, serve_with(settings), stop, use_database=True)


def main() -> None:
    settings = NotifierSettings()
    run_main(lambda stop: serve(settings, stop))
