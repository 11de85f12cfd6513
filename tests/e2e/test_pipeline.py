"""End to end through the four real service processes, real nats-server and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from radar_cli.commands.catalog import demo_catalog_dir
from radar_cli.infra import NatsServer
from radar_cli.stack import Stack
from radar_common.catalog.directory import import_directory_sync
from tests.support.receiver import Receiver

pytestmark = pytest.mark.integration
API_KEY = "test-key-0123456789"


@pytest.fixture
def stack(
    nats_server: NatsServer, database_url: str, receiver: Receiver, tmp_path: Path
) -> Iterator[Stack]:
    s = Stack(
        nats_url=nats_server.url,
        database_url=database_url,
        log_dir=tmp_path / "logs",
        extra_env={"RADAR_API_KEYS": API_KEY, "RADAR_WEBHOOK_URL": receiver.url("/hook")},
    )
    # With the demo catalog, LM358DR is used by products, so its EOL is worth an alert.
    import_directory_sync(database_url, demo_catalog_dir())
    try:
        s.start()
        yield s
    finally:
        s.stop_all()


def wait_task(api: httpx.Client, task_id: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task: dict[str, Any] = api.get(f"/v1/tasks/{task_id}").json()
        if task["state"] in ("SUCCESS", "FAILED", "CANCELLED"):
            return task
        time.sleep(0.1)
    raise TimeoutError(f"task {task_id} not finished: {task}")


def test_event_reaches_the_notifier_with_its_trace_id(stack: Stack, receiver: Receiver) -> None:
    with httpx.Client(base_url=stack.api_url, headers={"X-API-Key": API_KEY}) as api:
        answer = api.post(
            "/v1/events/ingest",
            json={
                "source": "siliconexpert",
                "raw_data": {"mpn": "LM358DR", "manufacturer": "TI", "lifecycle_status": "EOL"},
            },
        )
        assert answer.status_code == 202, answer.text
        accepted = answer.json()
        assert accepted["state"] == "QUEUED"
        assert accepted["percent"] == 0
        assert len(accepted["trace_id"]) == 32
        assert accepted["status_url"].endswith(f"/v1/tasks/{accepted['task_id']}")

        hits = receiver.wait_for(
            lambda rs: any(r.json()["data"]["trace_id"] == accepted["trace_id"] for r in rs)
        )
        alert = next(r for r in hits if r.json()["data"]["trace_id"] == accepted["trace_id"])
        assert alert.json()["data"]["mpn"] == "LM358DR"
        assert alert.json()["data"]["task_id"] == accepted["task_id"]

        task = wait_task(api, accepted["task_id"])
        assert task["state"] == "SUCCESS", task
        assert task["percent"] == 100
        assert task["trace_id"] == accepted["trace_id"]
        assert [s["state"] for s in task["steps"]] == ["done"] * 6


def test_unauthenticated_requests_are_refused(stack: Stack) -> None:
    answer = httpx.post(
        f"{stack.api_url}/v1/events/ingest", json={"source": "x", "raw_data": {"mpn": "A"}}
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_event_without_a_part_ends_failed_with_the_reason(stack: Stack) -> None:
    with httpx.Client(base_url=stack.api_url, headers={"X-API-Key": API_KEY}) as api:
        accepted = api.post(
            "/v1/events/ingest", json={"source": "nexar", "raw_data": {"note": "hello"}}
        ).json()
        task = wait_task(api, accepted["task_id"])
        assert task["state"] == "FAILED"
        assert "no part" in task["error_message"]
