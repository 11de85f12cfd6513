"""Entry point: ``python -m radar_inference``."""

from __future__ import annotations

import asyncio

from radar_common.bus.worker import Stage
from radar_common.contracts import Assessment, NormalizedNotice
from radar_common.service import run_main
from radar_common.worker_host import WorkerRuntime, host_worker
from radar_inference.handler import inference_stage
from radar_inference.settings import InferenceSettings


async def build(runtime: WorkerRuntime) -> Stage[NormalizedNotice, Assessment]:
    assert runtime.pool is not None
    return inference_stage(runtime.bus.topology, runtime.pool)


async def serve(settings: InferenceSettings, stop: asyncio.Event) -> None:
    await host_worker(settings, build, stop, use_database=True)


def main() -> None:
    settings = InferenceSettings()
    run_main(lambda stop: serve(settings, stop))
