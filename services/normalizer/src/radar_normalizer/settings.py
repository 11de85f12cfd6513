"""Normalizer settings (env prefix RADAR_)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from radar_common.settings import WorkerSettings


class NormalizerSettings(WorkerSettings):
    service_name: str = "normalizer"
    http_port: int = 8081
    # Optional LLM pass for notices the rules cannot read (same variables as the inference
    # crew); empty model = rules only.
    llm_model: str = ""
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_call_timeout_seconds: float = Field(default=20.0, gt=0)
    # A notice with a part or date below this confidence is pending review; the LLM pass only
    # decides what is below it (shared with the reader's review decision).
    review_threshold: float = Field(default=0.8, ge=0, le=1)
    # Confirm extracted parts against the catalog's `parts` table (needs RADAR_DATABASE_URL);
    # off by default so that the normalizer runs without PostgreSQL.
    catalog_match: bool = False
    catalog_refresh_seconds: float = Field(default=300.0, gt=0)
    # Reading an event (and the LLM pass) gets this much time in all; the reading runs in warm
    # child processes killed at the deadline, with an address-space limit (see sandbox.py).
    event_budget_seconds: float = Field(default=30.0, gt=0)
    extract_memory_mb: int = Field(default=512, ge=64)
    extract_processes: int = Field(default=2, ge=1, le=64)
