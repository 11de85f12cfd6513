"""Durability: never 202 without JetStream's ack; a retry after a 503 is accepted once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import nats
import pytest

from radar_cli.infra import NatsServer
from radar_common.bus.connection import Bus
from tests.ingestion.conftest import Ingest, start_ingest

EVENT = {"source": "accuris", "raw_data": {"mpn": "EXA100-QFN-TR", "status": "EOL"}}


@pytest.fixture
def own_ingest(nats_server: NatsServer) -> Iterator[Ingest]:
    yield from start_ingest(nats_server.url)


def wait_accepted(ingest: Ingest, headers: dict[str, str], timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = ingest.client.post("/v1/events/ingest", json=EVENT, headers=headers)
        if answer.status_code == 202:
            return str(answer.json()["task_id"])
        assert answer.status_code == 503, answer.text
        time.sleep(0.2)
    raise TimeoutError("NATS did not come back")


@pytest.mark.integration
@pytest.mark.faults
def test_nats_down_answers_503_and_accepts_nothing(
    own_ingest: Ingest, nats_server: NatsServer
) -> None:
    before = own_ingest.client.post("/v1/events/ingest", json={**EVENT, "raw_data": {"n": 1}})
    assert before.status_code == 202

    nats_server.stop()
    started = time.monotonic()
    answer = own_ingest.client.post(
        "/v1/events/ingest", json=EVENT, headers={"Idempotency-Key": "during-outage"}
    )
    elapsed = time.monotonic() - started
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/unavailable")
    assert elapsed < 5.0  # well inside a webhook sender's ~10 s patience

    nats_server.restart()
    task_id = wait_accepted(own_ingest, {"Idempotency-Key": "during-outage"})
    again = own_ingest.client.post(
        "/v1/events/ingest", json=EVENT, headers={"Idempotency-Key": "during-outage"}
    )
    assert again.json()["task_id"] == task_id
    events = own_ingest.events()
    assert [e.idempotency_key for e in events].count("during-outage") == 1
    assert len(events) == 2


async def _drop_events_stream(ingest: Ingest) -> None:
    nc = await nats.connect(ingest.settings.nats_url)
    try:
        await nc.jetstream().delete_stream(ingest.topology.events_stream.name)
    finally:
        await nc.close()


@pytest.mark.integration
@pytest.mark.faults
def test_a_publish_refused_after_the_claim_is_retried_under_the_same_task(
    ingest: Ingest,
) -> None:
    asyncio.run(_drop_events_stream(ingest))
    headers = {"Idempotency-Key": "claimed-not-published"}
    refused = ingest.client.post("/v1/events/ingest", json=EVENT, headers=headers)
    assert refused.status_code == 503
    claimed_task = refused.json()  # a problem document: no task id is promised
    assert "task_id" not in claimed_task

    asyncio.run(_recreate_topology(ingest))
    accepted = ingest.client.post("/v1/events/ingest", json=EVENT, headers=headers)
    assert accepted.status_code == 202
    assert "Idempotent-Replayed" not in accepted.headers
    [event] = ingest.events()
    assert event.task_id == accepted.json()["task_id"]
    replay = ingest.client.post("/v1/events/ingest", json=EVENT, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(ingest.events()) == 1


async def _recreate_topology(ingest: Ingest) -> None:
    bus = await Bus.connect(ingest.settings.nats_url, ingest.topology, name="test")
    try:
        await bus.ensure_topology()
    finally:
        await bus.close()
