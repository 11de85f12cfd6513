"""Ingestion settings (env prefix RADAR_)."""

from __future__ import annotations

from pydantic import Field

from radar_common.settings import RadarSettings


class IngestionSettings(RadarSettings):
    service_name: str = "ingestion"
    http_port: int = 8080
    # Comma-separated API keys; callers send `Authorization: Bearer <key>` or `X-API-Key`.
    api_keys: str = ""
    auth_disabled: bool = False
    idempotency_window_seconds: float = Field(default=7 * 24 * 3600, gt=0)
    publish_timeout_seconds: float = Field(default=2.0, gt=0)
    task_retention_seconds: float = Field(default=30 * 24 * 3600, gt=0)
    max_body_bytes: int = Field(default=30 * 1024 * 1024, gt=0)

    def key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]
