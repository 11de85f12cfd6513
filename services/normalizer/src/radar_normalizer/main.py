"""Entry point: ``python -m radar_normalizer``."""

from __future__ import annotations

import asyncio
from functools import partial

import httpx

from radar_common.bus.buckets import object_fetcher
from radar_common.bus.worker import Stage
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_common.service import run_main
from radar_common.settings import load_settings
from radar_common.worker_host import WorkerRuntime, host_worker
from radar_normalizer.catalog import CatalogSnapshot
from radar_normalizer.handler import normalizer_stage
from radar_normalizer.llm import LlmExtractor
from radar_normalizer.review import set_threshold
from radar_normalizer.sandbox import ExtractionSandbox, SandboxLimits
from radar_normalizer.settings import NormalizerSettings


def llm_extractor(settings: NormalizerSettings, client: httpx.AsyncClient) -> LlmExtractor | None:
    """The LLM pass when a model is configured, else None (rules only)."""
    if not (settings.llm_model and settings.llm_base_url):
        return None
    return LlmExtractor(
        client,
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout=settings.llm_call_timeout_seconds,
        review_threshold=settings.review_threshold,
    )


async def build(
    settings: NormalizerSettings, runtime: WorkerRuntime
) -> Stage[RawEvent, NormalizedNotice]:
    """The normalizer stage, with its LLM client, catalog snapshot and reading processes."""
    set_threshold(settings.review_threshold)
    llm = None
    if settings.llm_model and settings.llm_base_url:
        client = httpx.AsyncClient()
        runtime.stack.push_async_callback(client.aclose)
        llm = llm_extractor(settings, client)
    catalog = await catalog_snapshot(runtime, settings)
    sandbox = await extraction_sandbox(runtime, settings, catalog)
    return normalizer_stage(
        runtime.bus.topology,
        known_parts=catalog,
        fetch=object_fetcher(runtime.bus),
        llm=llm,
        reader=sandbox,
        budget_seconds=settings.event_budget_seconds,
    )


async def extraction_sandbox(
    runtime: WorkerRuntime, settings: NormalizerSettings, catalog: CatalogSnapshot | None
) -> ExtractionSandbox:
    """The warm extraction processes, stopped with the service."""
    limits = SandboxLimits(
        budget_seconds=settings.event_budget_seconds,
        memory_mb=settings.extract_memory_mb,
        processes=settings.extract_processes,
    )
    sandbox = ExtractionSandbox(
        limits, catalog, log_level=settings.log_level, log_json=settings.log_json
    )
    await sandbox.start()
    runtime.stack.push_async_callback(sandbox.close)
    return sandbox


async def catalog_snapshot(
    runtime: WorkerRuntime, settings: NormalizerSettings
) -> CatalogSnapshot | None:
    """The catalog's parts, kept fresh in the background, when catalog matching is on."""
    if not settings.catalog_match or runtime.pool is None:
        return None
    catalog = CatalogSnapshot(runtime.pool)
    stop = asyncio.Event()
    task = asyncio.create_task(catalog.keep_fresh(settings.catalog_refresh_seconds, stop))

    async def close() -> None:
        stop.set()
        await task

    runtime.stack.push_async_callback(close)
    return catalog


async def serve(settings: NormalizerSettings, stop: asyncio.Event) -> None:
    await host_worker(settings, partial(build, settings), stop, use_database=settings.catalog_match)


def main() -> None:
    settings = load_settings(NormalizerSettings)
    run_main(lambda stop: serve(settings, stop))
