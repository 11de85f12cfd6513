"""Normalizer settings (env prefix RADAR_)."""

from __future__ import annotations

from radar_common.settings import WorkerSettings


class NormalizerSettings(WorkerSettings):
    service_name: str = "normalizer"
    http_port: int = 8081
