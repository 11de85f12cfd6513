"""The ingestion app factory: ``create_app(settings)``; connections live in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from radar_common import metrics
from radar_common.bus.buckets import ensure_bucket, ensure_object_store
from radar_common.bus.lag import backlog_gauges
from radar_common.db.pool import init_connection
from radar_common.service import VERSION, metrics_endpoint
from radar_common.tasks import TaskStore
from radar_common.worker_host import connect_bus
from radar_ingestion.acceptance import Acceptor
from radar_ingestion.api.deps import AppState
from radar_ingestion.api.express import PATH as EXPRESS_PATH
from radar_ingestion.api.express import ExpressIngest
from radar_ingestion.api.routes import (
    assessments,
    catalog,
    events,
    ingest,
    mailgun,
    notices,
    ops,
    postmark,
    sendgrid,
    ses,
    tasks,
)
from radar_ingestion.auth import Authenticator
from radar_ingestion.middleware import BodyLimit, HttpMetrics
from radar_ingestion.openapi import problem_openapi
from radar_ingestion.problems import (
    Problem,
    http_handler,
    problem_handler,
    validation_handler,
)
from radar_ingestion.settings import IngestionSettings
from radar_ingestion.sns import SnsVerifier

DESCRIPTION = """
Obsolescence Radar receives product discontinuance and change notices (PDN/PCN) from
lifecycle-data platforms and e-mail gateways, and answers **202 Accepted** only once the event
is durably stored. Every accepted event is a task: follow it at `status_url`.

Errors are `application/problem+json` documents with a stable `type`.
"""


def create_app(settings: IngestionSettings) -> FastAPI:
    """Build the ingestion API for these settings.

    Raises:
        ValueError: no credentials are configured and authentication is not disabled.
    """
    # Settings validate this too; checked again for settings built without validation.
    if not (settings.api_key_entries() or settings.webhook_secret or settings.auth_disabled):
        raise ValueError("refusing to start: set RADAR_API_KEYS or RADAR_WEBHOOK_SECRET")
    authenticator = Authenticator(
        settings.api_key_entries(),
        settings.webhook_secret,
        tolerance=settings.signature_tolerance_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus = await connect_bus(settings, settings.service_name)
        try:
            # Streams only: each worker declares its own consumer with its own settings.
            await bus.ensure_topology(consumers=())
            task_store = await TaskStore.open(
                bus.js,
                bus.topology.tasks_bucket,
                retention_seconds=settings.task_retention_seconds,
            )
            idempotency = await ensure_bucket(
                bus.js,
                bus.topology.idempotency_bucket,
                ttl_seconds=settings.idempotency_window_seconds,
            )
            blobs = await ensure_object_store(
                bus.js, bus.topology.object_store, ttl_seconds=settings.blob_retention_seconds
            )
            acceptor = Acceptor(
                bus,
                task_store,
                idempotency,
                blobs,
                publish_timeout=settings.publish_timeout_seconds,
                accept_timeout=settings.accept_timeout_seconds,
                inline_max=settings.inline_max_bytes,
            )
            pool = await asyncpg.create_pool(
                settings.database_url, min_size=0, max_size=10, init=init_connection
            )
            app.state.radar = AppState(
                settings=settings,
                bus=bus,
                tasks=task_store,
                acceptor=acceptor,
                authenticator=authenticator,
                pool=pool,
                sns=SnsVerifier(
                    settings.sns_host_pattern,
                    allow_http=settings.sns_allow_http,
                    topic_arns=settings.sns_topics(),
                    max_age=settings.sns_max_age_seconds,
                    allow_sha1=settings.sns_allow_sha1,
                ),
            )
            try:
                interval = settings.backlog_poll_seconds
                async with backlog_gauges(bus.js, bus.topology, interval_seconds=interval):
                    yield
            finally:
                await acceptor.settle()
                await pool.close()
        finally:
            await bus.close()

    app = FastAPI(
        title="Obsolescence Radar",
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        # One server span per request (W3C context from the headers); spans per dependency
        # and serialization would cost more than the request's own work.
        telemetry={"operation_spans": False, "metrics": False},
    )
    app.add_exception_handler(Problem, problem_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.include_router(events.router)
    app.include_router(ingest.router)
    app.include_router(sendgrid.router)
    app.include_router(mailgun.router)
    app.include_router(postmark.router)
    app.include_router(ses.router)
    app.include_router(tasks.router)
    app.include_router(notices.router)
    app.include_router(assessments.router)
    app.include_router(catalog.router)
    app.include_router(ops.router)
    if not settings.metrics_port:  # else served on its own port (radar_common.service.run_api)
        app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.openapi = problem_openapi(app)  # type: ignore[method-assign]
    metrics.BUILD_INFO.labels("ingestion").info({"version": VERSION})

    # The last added runs outermost: the metrics see every answer, the limit's 413 included;
    # the express lane of the ingest endpoint runs inside both.
    express_route = next(r for r in events.router.routes if getattr(r, "path", "") == EXPRESS_PATH)
    app.add_middleware(ExpressIngest, route=express_route)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(HttpMetrics, service="ingestion")
    return app
