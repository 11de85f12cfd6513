"""Entry point: ``python -m radar_inference``."""

from __future__ import annotations

import asyncio
import logging

from radar_common.bus.worker import Stage
from radar_common.contracts import Assessment, NormalizedNotice
from radar_common.service import run_main
from radar_common.worker_host import WorkerRuntime, host_worker
from radar_inference.crew import CrewNarrator
from radar_inference.handler import inference_stage
from radar_inference.settings import InferenceSettings

log = logging.getLogger(__name__)


async def build(runtime: WorkerRuntime) -> Stage[NormalizedNotice, Assessment]:
    assert runtime.pool is not None
    settings = (
        runtime.settings if isinstance(runtime.settings, InferenceSettings) else InferenceSettings()
    )
    narrator = None
    if settings.llm_model:
        narrator = CrewNarrator(settings)
        await narrator.warm_up()
        log.info("crew enabled with model %s at %s", settings.llm_model, settings.llm_base_url)
    return inference_stage(runtime.bus.topology, runtime.pool, settings, narrator)


async def serve(settings: InferenceSettings, stop: asyncio.Event) -> None:
    await host_worker(settings, build, stop, use_database=True)


def main() -> None:
    settings = InferenceSettings()
    run_main(lambda stop: serve(settings, stop))
