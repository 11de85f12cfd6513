"""Entry point: ``python -m radar_normalizer``."""

from __future__ import annotations

import asyncio

from radar_common.bus.worker import Stage
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_common.service import run_main
from radar_common.worker_host import WorkerRuntime, host_worker
from radar_normalizer.handler import normalizer_stage
from radar_normalizer.settings import NormalizerSettings


async def build(runtime: WorkerRuntime) -> Stage[RawEvent, NormalizedNotice]:
    return normalizer_stage(runtime.bus.topology)


async def serve(settings: NormalizerSettings, stop: asyncio.Event) -> None:
    await host_worker(settings, build, stop)


def main() -> None:
    settings = NormalizerSettings()
    run_main(lambda stop: serve(settings, stop))
