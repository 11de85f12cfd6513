"""Entry point: ``python -m radar_ingestion`` serves the API with uvicorn."""

from __future__ import annotations

import uvicorn
from pydantic import ValidationError

from radar_common.http_limits import guarded_protocol
from radar_common.logs import configure_logging
from radar_common.service import header_limits
from radar_common.telemetry import configure_tracing
from radar_ingestion.app import create_app
from radar_ingestion.settings import IngestionSettings


def main() -> None:
    try:
        settings = IngestionSettings()
    except ValidationError as exc:
        raise SystemExit(f"refusing to start: {exc}") from exc
    configure_logging(settings.service_name, settings.log_level, json_lines=settings.log_json)
    configure_tracing(settings.service_name)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
        # Bounded request heads (size, count, time): radar_common.http_limits.
        http=guarded_protocol(header_limits(settings)),
    )
