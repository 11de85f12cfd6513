"""Entry point: ``python -m radar_console`` serves the console with uvicorn."""

from __future__ import annotations

from radar_common.logs import configure_logging
from radar_common.service import run_api
from radar_common.settings import load_settings
from radar_common.telemetry import configure_tracing
from radar_console.app import create_app
from radar_console.settings import ConsoleSettings


def main() -> None:
    settings = load_settings(ConsoleSettings)
    configure_logging(settings.service_name, settings.log_level, json_lines=settings.log_json)
    configure_tracing(settings.service_name)
    # Bounded request heads and /metrics on its own port, like the API.
    run_api(create_app(settings), settings, proxy_headers=True, timeout_graceful_shutdown=20)
