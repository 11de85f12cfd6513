"""Notifier settings (env prefix RADAR_)."""

from __future__ import annotations

from radar_common.settings import WorkerSettings


class NotifierSettings(WorkerSettings):
    service_name: str = "notifier"
    http_port: int = 8083
    # Generic JSON webhook that receives every alert (optional).
    webhook_url: str | None = None
    http_timeout_seconds: float = 10.0
