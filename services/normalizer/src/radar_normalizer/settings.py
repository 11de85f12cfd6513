"""Normalizer settings (env prefix RADAR_)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from radar_common.settings import WorkerSettings
from radar_normalizer.review import DEFAULT_REVIEW_THRESHOLD


class NormalizerSettings(WorkerSettings):
    service_name: str = "normalizer"
    http_port: int = 8081
    # Optional LLM pass for notices the rules cannot read (same variables as the inference
    # crew); empty model = rules only.
    llm_model: str = ""
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_call_timeout_seconds: float = Field(default=20.0, gt=0)
    # Confirm extracted parts against the catalog's `parts` table (needs RADAR_DATABASE_URL);
    # off by default so that the normalizer runs without PostgreSQL.
    catalog_match: bool = False
    catalog_refresh_seconds: float = Field(default=300.0, gt=0)
    # A notice whose part, role or deadline is less certain than this goes to review
    # (review="pending"); it is still published, and the LLM pass (when on) decides only what is
    # below it. See docs/notices.md "Confidence and review".
    review_threshold: float = Field(default=DEFAULT_REVIEW_THRESHOLD, ge=0.0, le=1.0)
    # Reading an event (and the LLM pass) gets this much time in all; the reading runs in warm
    # child processes killed at the deadline, with an address-space limit (see sandbox.py).
    event_budget_seconds: float = Field(default=30.0, gt=0)
    extract_memory_mb: int = Field(default=512, ge=64)
    extract_processes: int = Field(default=2, ge=1, le=64)
