"""POST /v1/ingest/postmark — Postmark's inbound JSON with base64 attachments."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.ingestion.conftest import API_KEY, Ingest

pytestmark = pytest.mark.integration
PDF = b"%PDF-1.4\npostmark attachment\n%%EOF\n"


def inbound(message_id: str = "73e6d360-66eb-11e1-8e72-a8904824019b") -> dict[str, Any]:
    return {
        "FromName": "Example Semi PCN",
        "MessageStream": "inbound",
        "From": "pcn@example-semi.com",
        "FromFull": {
            "Email": "pcn@example-semi.com",
            "Name": "Example Semi PCN",
            "MailboxHash": "",
        },
        "To": "pdn@radar.example.com",
        "ToFull": [{"Email": "pdn@radar.example.com", "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": "pdn@radar.example.com",
        "Subject": "Last time buy notice EX-2026-044",
        "MessageID": message_id,
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Fri, 1 May 2026 16:12:00 +0000",
        "TextBody": "Last Order Date: 2026-11-01\nLast Shipment Date: 2027-05-01\n"
        "Device: EXB200DR\n",
        "HtmlBody": "<p>Last Order Date: 2026-11-01</p>",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [{"Name": "X-Spam-Status", "Value": "No"}],
        "Attachments": [
            {
                "Name": "EX-2026-044.pdf",
                "Content": base64.b64encode(PDF).decode(),
                "ContentType": "application/pdf",
                "ContentLength": len(PDF),
                "ContentID": "",
            }
        ],
    }


@pytest.fixture
def postmark(ingest: Ingest) -> Ingest:
    ingest.client.headers.clear()
    ingest.client.auth = ("postmark", API_KEY)  # https://postmark:<key>@host/v1/ingest/postmark
    return ingest


def test_an_inbound_email_is_accepted_with_decoded_attachments(postmark: Ingest) -> None:
    body = inbound()
    answer = postmark.client.post("/v1/ingest/postmark", json=body)
    assert answer.status_code == 202, answer.text
    [event] = postmark.events()
    assert event.format == "postmark"
    assert event.idempotency_key == f"postmark:{body['MessageID']}"
    [attachment] = event.attachments
    assert (attachment.filename, attachment.content, attachment.size) == (
        "EX-2026-044.pdf",
        PDF,
        len(PDF),
    )
    payload = json.loads(event.payload_json)
    assert "Content" not in payload["Attachments"][0]
    assert payload["Attachments"][0]["Name"] == "EX-2026-044.pdf"
    assert payload["TextBody"] == body["TextBody"]
    assert payload["FromFull"] == body["FromFull"]  # undeclared fields are kept


def test_the_message_id_deduplicates(postmark: Ingest) -> None:
    first = postmark.client.post("/v1/ingest/postmark", json=inbound("m-1"))
    again = postmark.client.post("/v1/ingest/postmark", json=inbound("m-1"))
    other = postmark.client.post("/v1/ingest/postmark", json=inbound("m-2"))
    assert again.json()["task_id"] == first.json()["task_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.json()["task_id"] != first.json()["task_id"]
    assert len(postmark.events()) == 2


@pytest.mark.parametrize("case", ["bad-base64", "attachments-not-a-list", "not-json"])
def test_malformed_deliveries_are_403_so_postmark_stops(postmark: Ingest, case: str) -> None:
    if case == "not-json":
        answer = postmark.client.post(
            "/v1/ingest/postmark", content=b"{", headers={"Content-Type": "application/json"}
        )
    else:
        body = inbound()
        if case == "bad-base64":
            body["Attachments"][0]["Content"] = "not base64 !!"
        else:
            body["Attachments"] = "nope"
        answer = postmark.client.post("/v1/ingest/postmark", json=body)
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert postmark.events() == []


def test_wrong_credentials_are_401_so_postmark_retries(postmark: Ingest) -> None:
    postmark.client.auth = ("postmark", "wrong")
    assert postmark.client.post("/v1/ingest/postmark", json=inbound()).status_code == 401
