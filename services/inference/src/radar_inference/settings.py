"""Inference settings (env prefix RADAR_): the exposure math, the decision rules, the LLM."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator

from radar_common.notices.reminders import parse_offsets
from radar_common.settings import OptionalPath, WorkerSettings

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
    # Once the LTB date has passed, parts come from brokers/aftermarket at the unit price plus
    # this premium (1.5 = 150% over the unit price).
    broker_premium: Decimal = Field(default=Decimal("1.5"), ge=0)

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

    # Notices stay current (docs/impact.md, "Assessments that stay current").
    # A re-assessment alerts when severity or the action changes, or when LTB cost or revenue
    # at risk moves by more than both of these.
    realert_money_delta: Decimal = Field(default=Decimal(1000), ge=0)
    realert_money_ratio: Decimal = Field(default=Decimal("0.10"), ge=0)
    # Days before each open LTB date at which a reminder goes out, until the notice is decided.
    reminder_offsets_days: str = "90,30,7"
    # The scheduler (one leader among the replicas) looks for stale notices and due reminders
    # this often, and re-checks every open notice's catalog inputs at least this often.
    scheduler_enabled: bool = True
    scheduler_poll_seconds: float = Field(default=30.0, gt=0)
    catalog_sweep_seconds: float = Field(default=3600.0, gt=0)
    # A facts change younger than this is left to the message that made it; work asked for is
    # not asked for again before this.
    reassess_grace_seconds: float = Field(default=60.0, ge=0)
    reassess_retry_seconds: float = Field(default=600.0, gt=0)
    # Tests only: a file holding today's date (YYYY-MM-DD), read at every use.
    clock_file: OptionalPath = None

    # The crew: only when a model is configured (any OpenAI-compatible endpoint).
    llm_model: str = ""
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_timeout_seconds: float = Field(default=20.0, gt=0)  # the whole crew, all attempts
    llm_call_timeout_seconds: float = Field(default=8.0, gt=0)  # one completion
    llm_retries: int = Field(default=2, ge=0)
    llm_retry_base_seconds: float = Field(default=0.5, ge=0)

    @field_validator("reminder_offsets_days")
    @classmethod
    def _offsets(cls, value: str) -> str:
        parse_offsets(value)
        return value

    @model_validator(mode="after")
    def _crew_installed(self) -> Self:
        # Refuse at start rather than fall back to the rules on every notice.
        if self.llm_model and importlib.util.find_spec("crewai") is None:
            raise ValueError(CREW_MISSING)
        return self
