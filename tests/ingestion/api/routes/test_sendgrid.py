"""POST /v1/ingest/sendgrid — parsed mode and "Send Raw" mode, shaped as SendGrid posts them."""

from __future__ import annotations

import base64
import json

import pytest

from tests.ingestion.conftest import API_KEY, Ingest

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PARSED_FIELDS = {
    "headers": "Received: by mx.example.net\nDate: Tue, 03 Mar 2026 10:15:00 +0000\n"
    "From: Example Semi PCN <pcn@example-semi.com>\nSubject: PDN EX-2026-031\n",
    "dkim": "{@example-semi.com : pass}",
    "to": "pdn@radar.example.com",
    "from": "Example Semi PCN <pcn@example-semi.com>",
    "subject": "PDN EX-2026-031: end of life of EXA100 series",
    "text": "Product Discontinuance Notice EX-2026-031\nLast Time Buy Date: 03-Sep-2026\n",
    "html": "<p>Product Discontinuance Notice EX-2026-031</p>",
    "sender_ip": "203.0.113.7",
    "spam_score": "0.1",
    "envelope": '{"to":["pdn@radar.example.com"],"from":"pcn@example-semi.com"}',
    "attachments": "2",
    "attachment-info": json.dumps(
        {
            "attachment1": {"filename": "EX-2026-031.pdf", "type": "application/pdf"},
            "attachment2": {"filename": "logo.png", "type": "image/png", "content-id": "ii_1"},
        }
    ),
    "charsets": '{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}',
    "SPF": "pass",
}
RAW_MIME = (
    "From: Example Semi PCN <pcn@example-semi.com>\r\n"
    "To: pdn@radar.example.com\r\n"
    "Subject: PDN EX-2026-031\r\n"
    "Message-ID: <pdn-031@example-semi.com>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    "--b1\r\nContent-Type: text/plain\r\n\r\nLast Time Buy Date: 03-Sep-2026\r\n"
    "--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
    'Content-Disposition: attachment; filename="EX-2026-031.pdf"\r\n\r\n'
    + base64.b64encode(PDF).decode()
    + "\r\n--b1--\r\n"
)


def basic_auth() -> tuple[str, str]:
    return ("sendgrid", API_KEY)


def test_parsed_mode_keeps_fields_and_attachments(ingest: Ingest) -> None:
    ingest.client.headers.clear()  # SendGrid can only put credentials in the URL
    answer = ingest.client.post(
        "/v1/ingest/sendgrid",
        data=PARSED_FIELDS,
        files={
            "attachment1": ("EX-2026-031.pdf", PDF, "application/pdf"),
            "attachment2": ("logo.png", b"\x89PNG\r\n", "image/png"),
        },
        auth=basic_auth(),
    )
    assert answer.status_code == 202, answer.text
    [event] = ingest.events()
    assert event.format == "sendgrid"
    assert event.source == "sendgrid"
    assert json.loads(event.payload_json) == PARSED_FIELDS
    pdf, logo = event.attachments
    assert (pdf.filename, pdf.content_type, pdf.size, pdf.content) == (
        "EX-2026-031.pdf",
        "application/pdf",
        len(PDF),
        PDF,
    )
    assert logo.content_id == "ii_1"


def test_send_raw_mode_keeps_the_mime_message(ingest: Ingest) -> None:
    fields = {
        "to": "pdn@radar.example.com",
        "from": "pcn@example-semi.com",
        "envelope": PARSED_FIELDS["envelope"],
        "dkim": "{@example-semi.com : pass}",
        "SPF": "pass",
    }
    # A multipart text field (no filename), as SendGrid sends it.
    answer = ingest.client.post(
        "/v1/ingest/sendgrid", data=fields, files={"email": (None, RAW_MIME.encode())}
    )
    assert answer.status_code == 202, answer.text
    [event] = ingest.events()
    assert event.format == "sendgrid_raw"
    assert event.raw_body == RAW_MIME.encode()
    assert event.content_type == "message/rfc822"
    assert "email" not in json.loads(event.payload_json)


def test_a_redelivery_is_one_event(ingest: Ingest) -> None:
    send = {"data": PARSED_FIELDS, "files": {"attachment1": ("a.pdf", PDF, "application/pdf")}}
    first = ingest.client.post("/v1/ingest/sendgrid", **send)  # type: ignore[arg-type]
    second = ingest.client.post("/v1/ingest/sendgrid", **send)  # type: ignore[arg-type]
    assert second.json()["task_id"] == first.json()["task_id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(ingest.events()) == 1


def test_json_is_415_and_an_empty_form_is_400(ingest: Ingest) -> None:
    assert ingest.client.post("/v1/ingest/sendgrid", json={"to": "x"}).status_code == 415
    empty = ingest.client.post(
        "/v1/ingest/sendgrid",
        content=b"",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert empty.status_code == 400
    assert empty.json()["type"].endswith("/malformed")


def test_without_credentials_it_is_401(ingest: Ingest) -> None:
    ingest.client.headers.clear()
    answer = ingest.client.post("/v1/ingest/sendgrid", data=PARSED_FIELDS)
    assert answer.status_code == 401
