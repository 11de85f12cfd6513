"""GET, DELETE and list of /v1/tasks through the real ingestion app (TestClient, real NATS)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from radar_cli.infra import NatsServer
from radar_ingestion.app import create_app
from tests.tasks.conftest import API_KEY, ingestion_settings, open_store, unique_prefix

pytestmark = pytest.mark.integration


@pytest.fixture
def prefix() -> str:
    return unique_prefix()


@pytest.fixture
def client(nats: NatsServer, prefix: str) -> Iterator[TestClient]:
    with TestClient(create_app(ingestion_settings(nats.url, prefix))) as c:
        c.headers["X-API-Key"] = API_KEY
        yield c


def ingest(client: TestClient, mpn: str) -> dict[str, Any]:
    answer = client.post(
        "/v1/events/ingest", json={"source": "siliconexpert", "raw_data": {"mpn": mpn}}
    )
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    return body


def report(nats_url: str, prefix: str, task_id: str, *reports: tuple[str, str, str]) -> None:
    """Fold (step, state, unit) reports into a task from a separate connection."""

    async def run() -> None:
        bus, store = await open_store(nats_url, prefix)
        try:
            for step, state, unit in reports:
                await store.report(task_id, step, state, unit=unit, total_units=1 if unit else 0)
        finally:
            await bus.close()

    asyncio.run(run())


def test_the_202_says_queued_0_and_get_shows_the_stored_task(client: TestClient) -> None:
    accepted = ingest(client, "LM358DR")
    assert (accepted["state"], accepted["percent"]) == ("QUEUED", 0)
    task = client.get(f"/v1/tasks/{accepted['task_id']}").json()
    assert task["task_id"] == accepted["task_id"]
    assert task["trace_id"] == accepted["trace_id"]
    assert (task["state"], task["percent"]) == ("QUEUED", 5)
    assert [(s["name"], s["weight"]) for s in task["steps"]][:2] == [
        ("accepted", 5),
        ("normalize", 15),
    ]
    assert set(task) >= {
        "current_step",
        "error_message",
        "result",
        "created_at",
        "updated_at",
    }
    assert set(task["steps"][0]) >= {"state", "started_at", "finished_at", "log"}
    assert set(task["result"]) == {"notices", "assessments", "notifications"}


def test_unknown_task_is_404_and_a_malformed_id_is_422(client: TestClient) -> None:
    missing = client.get(f"/v1/tasks/{'0' * 32}")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/task-not-found")
    assert client.get("/v1/tasks/not-an-id").status_code == 422
    assert client.delete(f"/v1/tasks/{'0' * 32}").status_code == 404


def test_tasks_need_the_api_key(client: TestClient) -> None:
    assert client.get(f"/v1/tasks/{'0' * 32}", headers={"X-API-Key": "wrong"}).status_code == 401


def test_delete_cancels_and_is_idempotent(client: TestClient) -> None:
    task_id = ingest(client, "TPS7A4700")["task_id"]
    cancelled = client.delete(f"/v1/tasks/{task_id}")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "CANCELLED"
    assert client.get(f"/v1/tasks/{task_id}").json()["state"] == "CANCELLED"
    again = client.delete(f"/v1/tasks/{task_id}")
    assert again.status_code == 200
    assert again.json()["state"] == "CANCELLED"


def test_cancelling_a_finished_task_is_409(
    client: TestClient, nats: NatsServer, prefix: str
) -> None:
    done = ingest(client, "NE555")["task_id"]
    failed = ingest(client, "NE556")["task_id"]
    report(nats.url, prefix, done, ("notify", "done", "0"))
    report(nats.url, prefix, failed, ("normalize", "failed", ""))
    for task_id, state in ((done, "SUCCESS"), (failed, "FAILED")):
        answer = client.delete(f"/v1/tasks/{task_id}")
        assert answer.status_code == 409, answer.text
        assert answer.json()["state"] == state
        assert client.get(f"/v1/tasks/{task_id}").json()["state"] == state


def test_list_filters_by_state_and_since(client: TestClient, nats: NatsServer, prefix: str) -> None:
    first = ingest(client, "A1")["task_id"]
    second = ingest(client, "A2")["task_id"]
    third = ingest(client, "A3")["task_id"]
    report(nats.url, prefix, second, ("normalize", "running", ""))
    client.delete(f"/v1/tasks/{third}")

    everything = client.get("/v1/tasks").json()
    assert [t["task_id"] for t in everything["tasks"]] == [third, second, first]
    assert everything["count"] == 3

    running = client.get("/v1/tasks", params={"state": "RUNNING"}).json()
    assert [t["task_id"] for t in running["tasks"]] == [second]
    either = client.get("/v1/tasks", params=[("state", "QUEUED"), ("state", "CANCELLED")])
    assert {t["task_id"] for t in either.json()["tasks"]} == {first, third}

    future = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert client.get("/v1/tasks", params={"since": future}).json()["tasks"] == []
    assert len(client.get("/v1/tasks", params={"limit": 2}).json()["tasks"]) == 2
    assert client.get("/v1/tasks", params={"state": "DONE"}).status_code == 422


@pytest.mark.faults
def test_the_task_api_answers_503_while_nats_is_down(nats_server: NatsServer) -> None:
    settings = ingestion_settings(nats_server.url, unique_prefix())
    with TestClient(create_app(settings)) as c:
        c.headers["X-API-Key"] = API_KEY
        task_id = ingest(c, "LM317")["task_id"]
        nats_server.stop()
        down = c.get(f"/v1/tasks/{task_id}")
        assert down.status_code == 503
        assert down.headers["Retry-After"] == "5"
        assert down.json()["type"].endswith("/unavailable")
        assert c.delete(f"/v1/tasks/{task_id}").status_code == 503
        nats_server.start()  # same port and store: the task is still there
        deadline = time.monotonic() + 15
        while (back := c.get(f"/v1/tasks/{task_id}")).status_code != 200:
            assert time.monotonic() < deadline, back.text
            time.sleep(0.2)
        assert back.json()["state"] == "QUEUED"
