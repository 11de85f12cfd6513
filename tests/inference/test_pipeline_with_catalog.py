"""End to end with a catalog: the alert carries the engine's real numbers.

The four real service processes, real nats-server and PostgreSQL, the demo catalog imported the
way ``radar dev`` does it.
"""

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
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> Iterator[tuple[Stack, Receiver]]:
    import_directory_sync(database_url, demo_catalog_dir())
    with Receiver() as receiver:
        s = Stack(
            nats_url=nats_server.url,
            database_url=database_url,
            log_dir=tmp_path / "logs",
            extra_env={"RADAR_API_KEYS": API_KEY, "RADAR_WEBHOOK_URL": receiver.url("/hook")},
        )
        try:
            s.start()
            yield s, receiver
        finally:
            s.stop_all()


def test_an_eol_part_in_the_demo_catalog_alerts_with_ltb_numbers(
    stack: tuple[Stack, Receiver],
) -> None:
    s, receiver = stack
    with httpx.Client(base_url=s.api_url, headers={"X-API-Key": API_KEY}) as api:
        accepted = api.post(
            "/v1/events/ingest",
            json={
                "source": "nexar",
                "raw_data": {
                    "mpn": "STM32F103C8T6",
                    "manufacturer": "STMicroelectronics",
                    "lifecycle_status": "EOL",
                },
            },
        ).json()
        hits = receiver.wait_for(
            lambda rs: any(r.json()["data"]["trace_id"] == accepted["trace_id"] for r in rs)
        )
        data: dict[str, Any] = next(
            r.json()["data"] for r in hits if r.json()["data"]["trace_id"] == accepted["trace_id"]
        )
        assert data["matched_mpn"] == "STM32F103C8T6"
        assert data["match_kind"] == "exact"
        assert {w["sku"] for w in data["where_used"]} == {"GW-200", "MB-100", "PLC-40"}
        assert int(data["ltb_quantity"]) > 0
        assert float(data["ltb_cost"]) > 0
        assert data["recommended_action"] == "last_time_buy"
        assert data["engine"] == "rules"

        stored = api.get(f"/v1/assessments/{data['assessment_id']}")
        assert stored.status_code == 200
        assert stored.json()["ltb_cost"] == data["ltb_cost"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            task = api.get(f"/v1/tasks/{accepted['task_id']}").json()
            if task["state"] == "SUCCESS":
                break
            time.sleep(0.2)
        assert task["state"] == "SUCCESS", task
        (summary,) = task["result"]["assessments"]
        assert summary["ltb_quantity"] == int(data["ltb_quantity"])
