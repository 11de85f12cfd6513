"""Inference settings (env prefix RADAR_): the exposure math, the decision rules, the LLM."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from typing import Self

from pydantic import Field, SecretStr, model_validator

from radar_common.settings import WorkerSettings

CREW_MISSING = (
    "RADAR_LLM_MODEL is set but crewai is not installed: install radar-inference[crew] (the "
    "image built with --build-arg EXTRAS=crew, tagged <tag>-crew) or unset RADAR_LLM_MODEL"
)


class InferenceSettings(WorkerSettings):
    """Every number the engine uses that a business may want to change (see docs/impact.md)."""

    service_name: str = "inference"
    http_port: int = 8082

    # Exposure math.
    horizon_months: int = Field(default=60, ge=1)  # support end of a product without one
    ltb_safety: Decimal = Field(default=Decimal("0.10"), ge=0)  # yield/safety margin on an LTB
    currency: str = "USD"

    # Resolution costs (US DoD DMSMS FY2011 means; see docs/impact.md).
    cost_switch_qualified: Decimal = Decimal(3000)  # administrative substitute
    cost_qualify_alternate: Decimal = Decimal(34000)  # normal substitute, requalified
    cost_redesign: Decimal = Decimal(1000000)
    # How long qualifying an alternate takes: what a bridge buy must cover.
    bridge_months: int = Field(default=6, ge=1)

    # Risk score = exposure x (floor + (1 - floor) x urgency); exposure is the larger of the
    # share of demand uncovered and revenue at risk / scale; urgency grows as the LTB nears.
    risk_urgency_floor: float = Field(default=0.5, ge=0, le=1)
    risk_urgency_months: float = Field(default=12.0, gt=0)  # LTB this far away: no urgency
    risk_revenue_scale: Decimal = Field(default=Decimal(250000), gt=0)
    # A qualified alternate multiplies the score by this (the fix is cheap and known).
    risk_alternate_factor: float = Field(default=0.6, ge=0, le=1)
    severity_critical: float = 0.8
    severity_high: float = 0.55
    severity_medium: float = 0.2

    # The crew: only when a model is configured (any OpenAI-compatible endpoint).
    llm_model: str = ""
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_timeout_seconds: float = Field(default=20.0, gt=0)  # the whole crew, all attempts
    llm_call_timeout_seconds: float = Field(default=8.0, gt=0)  # one completion
    llm_retries: int = Field(default=2, ge=0)
    llm_retry_base_seconds: float = Field(default=0.5, ge=0)

    @model_validator(mode="after")
    def _crew_installed(self) -> Self:
        # Refuse at start rather than fall back to the rules on every notice.
        if self.llm_model and importlib.util.find_spec("crewai") is None:
            raise ValueError(CREW_MISSING)
        return self
