"""Entry point: ``python -m radar_ingestion`` serves the API with uvicorn."""

from __future__ import annotations

from radar_common.logs import configure_logging
from radar_common.service import run_api
from radar_common.settings import load_settings
from radar_common.telemetry import configure_tracing
from radar_ingestion.app import create_app
from radar_ingestion.settings import IngestionSettings


def main() -> None:
    settings = load_settings(IngestionSettings)
    configure_logging(settings.service_name, settings.log_level, json_lines=settings.log_json)
    configure_tracing(settings.service_name)
    # Bounded request heads (radar_common.http_limits); /metrics apart with RADAR_METRICS_PORT.
    # uvloop explicitly (uvicorn's "auto" would fall back to asyncio silently).
    run_api(create_app(settings), settings, timeout_graceful_shutdown=20, loop="uvloop")
