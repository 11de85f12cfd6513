"""POST /v1/ingest/component-alert and /v1/ingest/email-forward."""

from __future__ import annotations

import json

import pytest

from tests.ingestion.conftest import Ingest

pytestmark = pytest.mark.integration

ALERT = {
    "source_platform": "accuris",
    "manufacturer_code": "TI",
    "part_number": "LM358DR",
    "lifecycle_status": "NRND",
    "raw_context": {"notice": "PCN-2024-0117", "ltb_date": "2025-03-20"},
}
EMAIL = {
    "sender_domain": "example-semi.com",
    "subject_line": "PDN EX-2026-031: end of life of EXA100 series",
    "body_content": "Last Time Buy Date: 03-Sep-2026\nAffected: EXA100-QFN-TR\n",
    "attachment_metadata": [{"filename": "EX-2026-031.pdf", "content_type": "application/pdf"}],
}


def test_a_component_alert_becomes_a_raw_event(ingest: Ingest) -> None:
    answer = ingest.client.post("/v1/ingest/component-alert", json={**ALERT, "score": 0.9})
    assert answer.status_code == 202, answer.text
    [event] = ingest.events()
    assert event.format == "component_alert"
    assert event.source == "accuris"
    assert json.loads(event.payload_json) == {**ALERT, "score": 0.9}


def test_an_alert_without_context_is_fine_and_a_repeat_is_a_replay(ingest: Ingest) -> None:
    body = {k: v for k, v in ALERT.items() if k != "raw_context"}
    first = ingest.client.post("/v1/ingest/component-alert", json=body)
    again = ingest.client.post("/v1/ingest/component-alert", json=body)
    assert again.json()["task_id"] == first.json()["task_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    [event] = ingest.events()
    assert "raw_context" not in json.loads(event.payload_json)


def test_an_alert_missing_a_part_number_is_422(ingest: Ingest) -> None:
    body = {k: v for k, v in ALERT.items() if k != "part_number"}
    answer = ingest.client.post("/v1/ingest/component-alert", json=body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"][-1] == "part_number"


def test_a_forwarded_email_becomes_a_raw_event(ingest: Ingest) -> None:
    answer = ingest.client.post(
        "/v1/ingest/email-forward",
        json={**EMAIL, "idempotency_key": "mail-1", "x_gateway": "smtp2"},
    )
    assert answer.status_code == 202, answer.text
    [event] = ingest.events()
    assert event.format == "email_forward"
    assert event.source == "email_gateway"
    assert event.idempotency_key == "mail-1"
    assert json.loads(event.payload_json) == {**EMAIL, "x_gateway": "smtp2"}
