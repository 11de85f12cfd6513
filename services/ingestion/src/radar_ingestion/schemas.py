"""Request and response bodies of the public API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class IngestEvent(BaseModel):
    """The unified event schema: any platform, any payload."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "source": "siliconexpert",
                    "raw_data": {
                        "PCNNumber": "PCN-2024-0117",
                        "TypeOfChange": "EOL",
                        "AffectedProductName": "LM358DR",
                        "Manufacturer": "Texas Instruments",
                        "NotificationDate": "2024-09-20",
                        "LastTimeBuyDate": "2025-03-20",
                        "LastShipDate": "2025-09-20",
                    },
                    "idempotency_key": "se-pcn-2024-0117",
                }
            ]
        },
    )

    source: str = Field(min_length=1, max_length=100, description="The platform that sent it.")
    raw_data: dict[str, Any] = Field(description="The notice as the platform gave it; kept whole.")
    idempotency_key: str | None = Field(default=None, max_length=500)
    trace_id: str | None = Field(
        default=None, description="W3C trace id (32 hex) to continue a caller's trace."
    )


class TaskAccepted(BaseModel):
    """The 202 answer: the task to follow."""

    task_id: str
    trace_id: str
    state: str = "QUEUED"
    percent: int = 0
    status_url: str
