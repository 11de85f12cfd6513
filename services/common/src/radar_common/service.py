"""Hosting a service process: signals, the ops HTTP endpoints, graceful shutdown.

Every worker serves ``/healthz`` (the process is alive), ``/readyz`` (its dependencies answer)
and ``/metrics`` (Prometheus) on ``RADAR_HTTP_PORT`` — or ``/metrics`` alone on
``RADAR_METRICS_PORT`` when that is set (the ingestion API too: :func:`run_api`). SIGTERM or
SIGINT sets a stop event; the pull loops finish the messages in hand, then connections drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import logging
import signal
import socket
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from radar_common import metrics
from radar_common.http_limits import HeaderLimits, guarded_protocol
from radar_common.settings import RadarSettings

log = logging.getLogger(__name__)
ReadinessCheck = Callable[[], Awaitable[bool]]


def _version() -> str:
    """The installed radar-common version (all services are released together)."""
    try:
        return importlib.metadata.version("radar-common")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0+unknown"


VERSION = _version()


def stop_on_signals(stop: asyncio.Event) -> None:
    """Set ``stop`` on SIGTERM (Kubernetes) and SIGINT (Ctrl-C)."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def metrics_endpoint(_: Request) -> Response:
    """Prometheus text of this process's metrics."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def run_checks(checks: Mapping[str, ReadinessCheck]) -> tuple[bool, dict[str, str]]:
    """Run readiness checks; a check that raises or takes over 2 s counts as failed."""
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            ok = await asyncio.wait_for(check(), timeout=2.0)
        except Exception as exc:
            ok = False
            log.debug("readiness check %s failed: %r", name, exc)
        results[name] = "ok" if ok else "failing"
    return all(v == "ok" for v in results.values()), results


def metrics_app() -> Starlette:
    """/metrics alone, for a port of its own."""
    return Starlette(routes=[Route("/metrics", metrics_endpoint)])


def ops_app(
    service: str, checks: Mapping[str, ReadinessCheck], *, with_metrics: bool = True
) -> Starlette:
    """The /healthz, /readyz (and, unless served apart, /metrics) endpoints of a worker."""
    metrics.BUILD_INFO.labels(service).info({"version": VERSION})

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "service": service})

    async def readyz(_: Request) -> Response:
        ok, results = await run_checks(checks)
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": results},
            status_code=200 if ok else 503,
        )

    routes = [Route("/healthz", healthz), Route("/readyz", readyz)]
    if with_metrics:
        routes.append(Route("/metrics", metrics_endpoint))
    return Starlette(routes=routes)


def header_limits(settings: RadarSettings) -> HeaderLimits:
    """The request-head limits of ``settings`` (RADAR_HTTP_MAX_HEADER_BYTES, ...)."""
    return HeaderLimits(
        max_bytes=settings.http_max_header_bytes,
        max_count=settings.http_max_headers,
        timeout_seconds=settings.http_header_timeout_seconds,
    )


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the service owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def serve_http(
    app: Starlette,
    host: str,
    port: int,
    stop: asyncio.Event,
    *,
    limits: HeaderLimits | None = None,
) -> None:
    """Serve ``app`` until ``stop`` is set, with ``limits`` on every request head."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        http=guarded_protocol(limits or HeaderLimits()),
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve())
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopper.cancel()
    await task
    if task in done and not stop.is_set():
        raise RuntimeError(f"HTTP server on {host}:{port} stopped unexpectedly")


async def serve_ops(
    name: str, checks: Mapping[str, ReadinessCheck], settings: RadarSettings, stop: asyncio.Event
) -> None:
    """A worker's ops endpoints until ``stop`` is set: /healthz, /readyz and /metrics on
    RADAR_HTTP_PORT, or /metrics alone on RADAR_METRICS_PORT when that is set."""
    limits = header_limits(settings)
    apart = bool(settings.metrics_port)
    servers = [
        serve_http(
            ops_app(name, checks, with_metrics=not apart),
            settings.http_host,
            settings.http_port,
            stop,
            limits=limits,
        )
    ]
    if apart:
        servers.append(
            serve_http(
                metrics_app(), settings.http_host, settings.metrics_port, stop, limits=limits
            )
        )
    await asyncio.gather(*servers)


class _ApiServer(uvicorn.Server):
    """uvicorn serving the API, and /metrics on its own port beside it when configured."""

    def __init__(self, config: uvicorn.Config, settings: RadarSettings) -> None:
        super().__init__(config)
        self.settings = settings

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        settings = self.settings
        if not settings.metrics_port:
            await super().serve(sockets)
            return
        stop = asyncio.Event()
        metrics = asyncio.create_task(
            serve_http(
                metrics_app(),
                settings.http_host,
                settings.metrics_port,
                stop,
                limits=header_limits(settings),
            )
        )
        try:
            await super().serve(sockets)
        finally:
            stop.set()
            await metrics


def run_api(app: ASGIApp, settings: RadarSettings, **options: Any) -> None:
    """Serve an API on RADAR_HTTP_PORT with bounded request heads (and /metrics apart).

    ``options`` are more ``uvicorn.Config`` arguments. uvicorn handles the signals.
    """
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        http=guarded_protocol(header_limits(settings)),
        **options,
    )
    _ApiServer(config, settings).run()


def run_main(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run a service's async main with signal handling; exit cleanly on SIGTERM."""

    async def runner() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        await main(stop)

    asyncio.run(runner())
