"""The ingestion app factory: ``create_app(settings)``; connections live in the lifespan."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from radar_common import metrics
from radar_common.db.pool import init_connection
from radar_common.service import VERSION, metrics_endpoint
from radar_common.tasks.store import ensure_bucket
from radar_common.worker_host import connect_bus, open_task_store
from radar_ingestion.acceptance import Acceptor
from radar_ingestion.api.deps import AppState
from radar_ingestion.api.routes import events, ops, tasks
from radar_ingestion.problems import (
    Problem,
    http_handler,
    problem_handler,
    validation_handler,
)
from radar_ingestion.settings import IngestionSettings

DESCRIPTION = """
Obsolescence Radar receives product discontinuance and change notices (PDN/PCN) from
lifecycle-data platforms and e-mail gateways, and answers **202 Accepted** only once the event
is durably stored. Every accepted event is a task: follow it at `status_url`.

Errors are `application/problem+json` documents with a stable `type`.
"""


def _route_of(request: Request) -> str:
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is Match.FULL:
            return str(getattr(route, "path", request.url.path))
    return "unmatched"


def create_app(settings: IngestionSettings) -> FastAPI:
    """Build the ingestion API for these settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus = await connect_bus(settings, settings.service_name)
        try:
            await bus.ensure_topology()
            task_store = await open_task_store(bus)
            idempotency = await ensure_bucket(
                bus.js,
                bus.topology.idempotency_bucket,
                ttl_seconds=settings.idempotency_window_seconds,
            )
            acceptor = Acceptor(
                bus, task_store, idempotency, publish_timeout=settings.publish_timeout_seconds
            )
            pool = await asyncpg.create_pool(
                settings.database_url, min_size=0, max_size=10, init=init_connection
            )
            app.state.radar = AppState(
                settings=settings, bus=bus, tasks=task_store, acceptor=acceptor, pool=pool
            )
            try:
                yield
            finally:
                await pool.close()
        finally:
            await bus.close()

    app = FastAPI(
        title="Obsolescence Radar",
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.add_exception_handler(Problem, problem_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.include_router(events.router)
    app.include_router(tasks.router)
    app.include_router(ops.router)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    metrics.BUILD_INFO.labels("ingestion").info({"version": VERSION})

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = _route_of(request)
        metrics.HTTP_REQUESTS.labels(
            "ingestion", route, request.method, str(response.status_code)
        ).inc()
        metrics.HTTP_LATENCY.labels("ingestion", route, request.method).observe(
            time.perf_counter() - started
        )
        return response

    return app
