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


class ComponentAlert(BaseModel):
    """A lifecycle change of one part, as a data platform reports it."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "source_platform": "accuris",
                    "manufacturer_code": "TI",
                    "part_number": "LM358DR",
                    "lifecycle_status": "NRND",
                    "raw_context": {"notice": "PCN-2024-0117", "ltb_date": "2025-03-20"},
                }
            ]
        },
    )

    source_platform: str = Field(min_length=1, max_length=100)
    manufacturer_code: str = Field(min_length=1, max_length=200)
    part_number: str = Field(min_length=1, max_length=200)
    lifecycle_status: str = Field(min_length=1, max_length=100)
    raw_context: dict[str, Any] | None = None
    idempotency_key: str | None = Field(default=None, max_length=500)


class EmailPayload(BaseModel):
    """A vendor e-mail forwarded by a mail gateway, already reduced to its text."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "sender_domain": "example-semi.com",
                    "subject_line": "PDN EX-2026-031: end of life of EXA100 series",
                    "body_content": "Last Time Buy Date: 03-Sep-2026\nAffected: EXA100-QFN-TR",
                    "attachment_metadata": [
                        {"filename": "EX-2026-031.pdf", "content_type": "application/pdf"}
                    ],
                }
            ]
        },
    )

    sender_domain: str = Field(min_length=1, max_length=255)
    subject_line: str = Field(max_length=2000)
    body_content: str
    attachment_metadata: list[dict[str, Any]] | dict[str, Any] | None = None
    idempotency_key: str | None = Field(default=None, max_length=500)


class PostmarkAttachment(BaseModel):
    model_config = ConfigDict(extra="allow")

    Name: str = ""
    Content: str = Field(default="", description="base64")
    ContentType: str = "application/octet-stream"
    ContentLength: int | None = None
    ContentID: str = ""


class PostmarkInbound(BaseModel):
    """Postmark's inbound webhook (only the fields Radar relies on are declared)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "From": "pcn@example-semi.com",
                    "FromFull": {"Email": "pcn@example-semi.com", "Name": "Example Semi PCN"},
                    "To": "pdn@radar.example.com",
                    "Subject": "Last time buy notice EX-2026-044",
                    "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
                    "Date": "Fri, 1 May 2026 16:12:00 +0000",
                    "TextBody": "Last Order Date: 2026-11-01\nDevice: EXB200DR\n",
                    "HtmlBody": "<p>Last Order Date: 2026-11-01</p>",
                    "Headers": [{"Name": "X-Spam-Status", "Value": "No"}],
                    "Attachments": [
                        {
                            "Name": "EX-2026-044.pdf",
                            "Content": "JVBERi0xLjQK",
                            "ContentType": "application/pdf",
                            "ContentLength": 9,
                        }
                    ],
                }
            ]
        },
    )

    MessageID: str = ""
    From: str = ""
    Subject: str = ""
    Attachments: list[PostmarkAttachment] = Field(default_factory=list)
