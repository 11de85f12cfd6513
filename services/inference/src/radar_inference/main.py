"""Entry point: ``python -m radar_inference``.

The process hosts the notice stage (the runtime's main worker), and beside it the work stage
(re-assessments, reminders, closures) and the scheduler, all stopped together at SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from functools import partial

from radar_common.bus.worker import Stage, Worker
from radar_common.contracts import Assessment, NormalizedNotice
from radar_common.notices.clock import Clock, clock_of
from radar_common.service import run_main
from radar_common.settings import load_settings
from radar_common.tasks import TaskStore
from radar_common.worker_host import WorkerRuntime, host_worker
from radar_inference.crew import CrewNarrator
from radar_inference.handler import inference_stage
from radar_inference.scheduler import Scheduler
from radar_inference.settings import InferenceSettings
from radar_inference.work import work_stage

log = logging.getLogger(__name__)
FORMAT_CACHE_SIZE = 1024


class TaskFormats:
    """The format of a task's event (``sendgrid``, ``canonical``...), recorded with each arrival."""

    def __init__(self, tasks: TaskStore) -> None:
        self.tasks = tasks
        self._known: OrderedDict[str, str] = OrderedDict()

    async def __call__(self, task_id: str) -> str:
        if not task_id:
            return ""
        if task_id not in self._known:
            try:
                # The record passed along with the notice, when it was; else read.
                task = self.tasks.cached(task_id) or await self.tasks.get(task_id)
                self._known[task_id] = task.format
            except Exception:  # expired or unreachable: the format is a nicety, not a need
                return ""
            while len(self._known) > FORMAT_CACHE_SIZE:
                self._known.popitem(last=False)
        return self._known[task_id]


async def start_notice_work(
    runtime: WorkerRuntime,
    settings: InferenceSettings,
    clock: Clock,
    narrator: CrewNarrator | None,
) -> None:
    """Run the work stage and the scheduler beside the notice stage, until the process stops."""
    assert runtime.pool is not None
    stage = work_stage(runtime.bus.topology, runtime.pool, settings, clock, narrator)
    await runtime.bus.ensure_consumer(
        stage.consumer,
        max_deliver=settings.max_deliver,
        ack_wait_seconds=settings.ack_wait_seconds,
        max_ack_pending=max(settings.fetch_batch, settings.concurrency) * 10,
    )
    stop = asyncio.Event()
    jobs = [
        asyncio.create_task(Worker(runtime.bus, stage, settings, tasks=runtime.tasks).run(stop))
    ]
    if settings.scheduler_enabled:
        scheduler = Scheduler(runtime.pool, runtime.bus, settings, clock)
        jobs.append(asyncio.create_task(scheduler.run(stop)))

    async def finish() -> None:
        stop.set()
        await asyncio.wait(jobs, timeout=settings.shutdown_grace_seconds)

    runtime.stack.push_async_callback(finish)


async def build(
    settings: InferenceSettings, runtime: WorkerRuntime
) -> Stage[NormalizedNotice, Assessment]:
    """The notice stage, with the work stage and the scheduler started beside it."""
    assert runtime.pool is not None
    narrator = None
    if settings.llm_model:
        narrator = CrewNarrator(settings)
        await narrator.warm_up()
        log.info("crew enabled with model %s at %s", settings.llm_model, settings.llm_base_url)
    await start_notice_work(runtime, settings, clock_of(settings.clock_file), narrator)
    return inference_stage(
        runtime.bus.topology,
        runtime.pool,
        settings,
        narrator,
        task_format=TaskFormats(runtime.tasks),
    )


async def serve(settings: InferenceSettings, stop: asyncio.Event) -> None:
    await host_worker(settings, partial(build, settings), stop, use_database=True)


def main() -> None:
    settings = load_settings(InferenceSettings)
    run_main(lambda stop: serve(settings, stop))
