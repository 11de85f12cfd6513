"""Inference settings (env prefix RADAR_)."""

from __future__ import annotations

from radar_common.settings import WorkerSettings


class InferenceSettings(WorkerSettings):
    service_name: str = "inference"
    http_port: int = 8082
