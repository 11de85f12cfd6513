"""POST /v1/events/ingest against a real nats-server."""

from __future__ import annotations

import json

import pytest

from radar_common import metrics
from tests.ingestion.conftest import Ingest

pytestmark = pytest.mark.integration

NOTICE = {
    "source": "siliconexpert",
    "raw_data": {
        "PCNNumber": "PCN-2024-0117",
        "TypeOfChange": "EOL",
        "AffectedProductName": "LM358DR",
        "Manufacturer": "Texas Instruments",
        "LastTimeBuyDate": "2025-03-20",
        "VendorSpecific": {"nested": [1, 2, 3]},
    },
}


def test_accepts_and_publishes_the_event(ingest: Ingest) -> None:
    answer = ingest.client.post("/v1/events/ingest", json=NOTICE)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["state"] == "QUEUED"
    assert body["percent"] == 0
    assert len(body["trace_id"]) == 32
    assert body["status_url"].endswith(f"/v1/tasks/{body['task_id']}")
    assert "Idempotent-Replayed" not in answer.headers
    [event] = ingest.events()
    assert event.format == "canonical"
    assert event.source == "siliconexpert"
    assert event.task_id == body["task_id"]
    assert event.trace_id == body["trace_id"]
    assert json.loads(event.payload_json) == NOTICE["raw_data"]
    task = ingest.client.get(f"/v1/tasks/{body['task_id']}").json()
    assert task["state"] == "QUEUED"
    assert task["format"] == "canonical"


def test_unknown_fields_are_kept(ingest: Ingest) -> None:
    body = {**NOTICE, "region": "EMEA", "priority": {"level": 2}}
    answer = ingest.client.post("/v1/events/ingest", json=body)
    assert answer.status_code == 202, answer.text
    [event] = ingest.events()
    assert json.loads(event.metadata["extra_fields"]) == {
        "region": "EMEA",
        "priority": {"level": 2},
    }
    assert json.loads(event.payload_json)["VendorSpecific"] == {"nested": [1, 2, 3]}


@pytest.mark.parametrize(
    ("headers", "extra"),
    [
        ({"Idempotency-Key": "header-key-1"}, {}),
        ({}, {"idempotency_key": "body-key-1"}),
        ({}, {}),  # a hash of the event
    ],
    ids=["header", "body-field", "content-hash"],
)
def test_a_repeat_answers_the_first_task_and_publishes_nothing(
    ingest: Ingest, headers: dict[str, str], extra: dict[str, str]
) -> None:
    first = ingest.client.post("/v1/events/ingest", json={**NOTICE, **extra}, headers=headers)
    second = ingest.client.post("/v1/events/ingest", json={**NOTICE, **extra}, headers=headers)
    assert first.status_code == second.status_code == 202
    assert second.json()["task_id"] == first.json()["task_id"]
    assert second.json()["trace_id"] == first.json()["trace_id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(ingest.events()) == 1


def test_the_header_key_wins_over_the_body_key(ingest: Ingest) -> None:
    a = ingest.client.post(
        "/v1/events/ingest",
        json={**NOTICE, "idempotency_key": "one"},
        headers={"Idempotency-Key": "shared"},
    )
    b = ingest.client.post(
        "/v1/events/ingest",
        json={**NOTICE, "idempotency_key": "two"},
        headers={"Idempotency-Key": "shared"},
    )
    assert b.json()["task_id"] == a.json()["task_id"]
    assert len(ingest.events()) == 1


def test_a_key_reused_for_other_content_is_refused(ingest: Ingest) -> None:
    headers = {"Idempotency-Key": "reused-key"}
    first = ingest.client.post("/v1/events/ingest", json=NOTICE, headers=headers)
    other = {**NOTICE, "raw_data": {"PCNNumber": "PCN-2024-9999"}}
    second = ingest.client.post("/v1/events/ingest", json=other, headers=headers)
    assert first.status_code == 202
    assert second.status_code == 422
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["type"].endswith("/idempotency-key-reused")
    assert len(ingest.events()) == 1


def test_distinct_events_get_distinct_tasks(ingest: Ingest) -> None:
    ids = {
        ingest.client.post("/v1/events/ingest", json={**NOTICE, "raw_data": {"n": n}}).json()[
            "task_id"
        ]
        for n in range(5)
    }
    assert len(ids) == 5
    assert len(ingest.events()) == 5


def test_a_caller_trace_id_is_continued(ingest: Ingest) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    answer = ingest.client.post("/v1/events/ingest", json={**NOTICE, "trace_id": trace_id})
    assert answer.json()["trace_id"] == trace_id
    bad = ingest.client.post("/v1/events/ingest", json={**NOTICE, "trace_id": "nope"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 422),
        (b'{"source": "x"}', 422),
        (b'{"source": "x", "raw_data": []}', 422),
        (b'{"source": "", "raw_data": {}}', 422),
    ],
    ids=["not-json", "no-raw-data", "raw-data-not-object", "empty-source"],
)
def test_malformed_events_are_problems(ingest: Ingest, body: bytes, status: int) -> None:
    answer = ingest.client.post(
        "/v1/events/ingest", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "https://radar.dev/problems/validation"
    assert ingest.events() == []


def test_other_media_types_are_415(ingest: Ingest) -> None:
    answer = ingest.client.post(
        "/v1/events/ingest", content=b"source=x", headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 415
    assert answer.json()["type"].endswith("/unsupported-media-type")


def test_the_openapi_document_lists_every_endpoint_with_examples(ingest: Ingest) -> None:
    doc = ingest.client.get("/openapi.json").json()
    for path in (
        "/v1/events/ingest",
        "/v1/ingest/component-alert",
        "/v1/ingest/email-forward",
        "/v1/ingest/sendgrid",
        "/v1/ingest/mailgun",
        "/v1/ingest/postmark",
        "/v1/ingest/ses",
    ):
        operation = doc["paths"][path]["post"]
        assert "202" in operation["responses"], path
        assert "503" in operation["responses"], path
    schemas = doc["components"]["schemas"]
    assert schemas["IngestEvent"]["examples"]
    assert schemas["ComponentAlert"]["examples"]
    assert schemas["PostmarkInbound"]["examples"]


RAW: dict[str, object] = dict(NOTICE["raw_data"])  # type: ignore[arg-type]


def _requests(status: str) -> float:
    sample = metrics.HTTP_REQUESTS.labels("ingestion", "/v1/events/ingest", "POST", status)
    return float(sample._value.get())


def test_the_express_lane_is_counted_under_the_route_template(ingest: Ingest) -> None:
    before = _requests("202")
    notice = {**NOTICE, "raw_data": {**RAW, "PCNNumber": "PCN-EXPRESS-1"}}
    assert ingest.client.post("/v1/events/ingest", json=notice).status_code == 202
    assert _requests("202") == before + 1


def test_requests_the_express_lane_does_not_take_get_the_routes_answers(ingest: Ingest) -> None:
    # A chunked body (no Content-Length) takes the route, and is accepted the same.
    notice = {**NOTICE, "raw_data": {**RAW, "PCNNumber": "PCN-CHUNKED-1"}}
    chunked = ingest.client.post(
        "/v1/events/ingest",
        content=iter([json.dumps(notice).encode()]),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.status_code == 202, chunked.text
    assert set(chunked.json()) == {"task_id", "trace_id", "state", "percent", "status_url"}
    # A body the lane cannot validate is answered by the route: its problem document.
    invalid = ingest.client.post("/v1/events/ingest", json={"source": "", "raw_data": {}})
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json()["type"].endswith("/validation")
    # A trace_id that is not one: the route's own check.
    bad_trace = ingest.client.post("/v1/events/ingest", json={**notice, "trace_id": "xyz"})
    assert bad_trace.status_code == 422
    assert [e.task_id for e in ingest.events()] == [chunked.json()["task_id"]]
