"""A lifecycle change found by the watcher, through the real pipeline to a costed alert.

Real nats-server and PostgreSQL, the four services and the watcher as processes (``Stack``),
the demo catalog. The watcher runs its offline source (catalog imports) every second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from radar_cli.commands.catalog import demo_catalog_dir
from radar_cli.commands.watch import DEMO_PART, demo_catalog_variant
from radar_cli.infra import NatsServer
from radar_cli.stack import PIPELINE, Stack
from radar_common.catalog.directory import import_directory_sync
from tests.support.receiver import Received, Receiver
from tests.watcher.harness import query, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]
API_KEY = "watcher-e2e-key-0123456789"
# The watcher's own key may only deliver (the ingest scope), as the chart and `radar dev` set it.
WATCHER_KEY = "watcher-e2e-ingest-only-0123"
PART = DEMO_PART  # MCP2515-I/SO: a CAN controller in the gateway and the PLC, no alternate


def catalog_with(tmp_path: Path, status: str) -> Path:
    """The demo catalog with PART's lifecycle_status set to ``status``."""
    return demo_catalog_variant(tmp_path / f"catalog-{status}", {PART: status})


def catalog_cycles(database_url: str) -> int:
    rows = query(
        database_url,
        "SELECT cycle FROM watcher_sources WHERE source = 'catalog'"
        " AND cycle_finished_at IS NOT NULL",
    )
    return int(rows[0]["cycle"]) if rows else 0


def alerts_for(received: list[Received], mpn: str) -> list[dict[str, Any]]:
    return [
        r.json()["data"] for r in received if r.path == "/hook" and r.json()["data"]["mpn"] == mpn
    ]


@pytest.fixture
def pipeline(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> Iterator[tuple[Stack, Receiver]]:
    import_directory_sync(database_url, demo_catalog_dir())
    with Receiver() as receiver:
        stack = Stack(
            nats_url=nats_server.url,
            database_url=database_url,
            log_dir=tmp_path / "logs",
            extra_env={
                "RADAR_API_KEYS": f"{API_KEY}:ingest,read,admin;{WATCHER_KEY}:ingest",
                "RADAR_WEBHOOK_URL": receiver.url("/hook"),
                "RADAR_WATCHER_API_KEY": WATCHER_KEY,
                "RADAR_WATCHER_CATALOG_INTERVAL_SECONDS": "1",
                "RADAR_WATCHER_LEASE_SECONDS": "5",
            },
        )
        try:
            stack.start((*PIPELINE, "watcher"), timeout=120)
            # The first pass over the catalog is the baseline: what the catalog already says.
            wait_until(lambda: catalog_cycles(database_url) >= 1, what="baseline cycle")
            yield stack, receiver
        finally:
            stack.stop_all()


def test_a_status_change_in_an_import_is_one_costed_alert_and_a_repeat_none(
    pipeline: tuple[Stack, Receiver], database_url: str, tmp_path: Path
) -> None:
    stack, receiver = pipeline
    assert query(database_url, "SELECT count(*) AS n FROM watcher_changes")[0]["n"] == 0
    import_directory_sync(database_url, catalog_with(tmp_path, "eol"))

    receiver.wait_for(lambda got: alerts_for(got, PART), timeout=90)
    (alert,) = alerts_for(receiver.requests_to("/hook"), PART)
    assert alert["source"] == "catalog"
    assert alert["notice_kind"] == "lifecycle_change"
    assert alert["lifecycle_status"] == "eol"
    assert alert["manufacturer"] == "Microchip Technology"
    assert {w["sku"] for w in alert["where_used"]} >= {"GW-200", "PLC-40", "MB-100"}
    assert int(alert["ltb_quantity"]) > 0
    assert float(alert["ltb_cost"]) > 0
    assert float(alert["revenue_at_risk"]) >= 0
    assert alert["severity"] in ("medium", "high", "critical")
    (change,) = query(database_url, "SELECT * FROM watcher_changes")
    assert change["state"] == "delivered"
    assert change["task_id"] == alert["task_id"]

    with httpx.Client(base_url=stack.api_url, headers={"X-API-Key": API_KEY}) as api:
        task = wait_until(
            lambda: (
                (t := api.get(f"/v1/tasks/{alert['task_id']}").json())["state"] == "SUCCESS" and t
            ),
            what="task SUCCESS",
        )
        assert task["result"]["assessments"][0]["ltb_quantity"] == int(alert["ltb_quantity"])

    # The same catalog imported again, and more cycles: the status is already known.
    import_directory_sync(database_url, catalog_with(tmp_path, "eol"))
    seen = catalog_cycles(database_url)
    wait_until(lambda: catalog_cycles(database_url) >= seen + 3, what="three more cycles")
    # A lost answer makes the watcher send the change again: ingestion replays the first task.
    query(database_url, "UPDATE watcher_changes SET state = 'pending' RETURNING 1")
    wait_until(
        lambda: query(database_url, "SELECT state FROM watcher_changes")[0]["state"] == "delivered",
        what="change re-delivered",
    )
    (again,) = query(database_url, "SELECT task_id FROM watcher_changes")
    assert again["task_id"] == alert["task_id"], "the resend is a replay of the first task"
    time.sleep(3)  # time for any second alert to have arrived
    assert len(alerts_for(receiver.requests_to("/hook"), PART)) == 1
    assert query(database_url, "SELECT count(*) AS n FROM watcher_changes")[0]["n"] == 1


def test_a_reactivation_reaches_the_pipeline_and_closes_the_alerted_notice(
    pipeline: tuple[Stack, Receiver], database_url: str, tmp_path: Path
) -> None:
    stack, receiver = pipeline
    import_directory_sync(database_url, catalog_with(tmp_path, "eol"))
    receiver.wait_for(lambda got: alerts_for(got, PART), timeout=90)
    import_directory_sync(database_url, catalog_with(tmp_path, "active"))
    reactivated = wait_until(
        lambda: query(
            database_url,
            "SELECT task_id FROM watcher_changes WHERE kind = 'reactivation'"
            " AND state = 'delivered'",
        ),
        what="reactivation delivered",
    )
    with httpx.Client(base_url=stack.api_url, headers={"X-API-Key": API_KEY}) as api:
        task = wait_until(
            lambda: (
                (t := api.get(f"/v1/tasks/{reactivated[0]['task_id']}").json())["state"]
                == "SUCCESS"
                and t
            ),
            what="reactivation task SUCCESS",
        )
    # The reactivation closes the part's open notice (radar_common.notices.arrivals) and the
    # people who had the EOL alert get a "closed" one: no action is needed any more.
    (notice,) = task["result"]["notices"]
    assert notice["outcome"] == "closed"
    alerts = receiver.wait_for(lambda got: len(alerts_for(got, PART)) >= 2, timeout=60)
    closed = alerts_for(alerts, PART)[-1]
    assert closed["alert_kind"] == "closed"
    assert closed["state"] == "closed"
    assert closed["recommended_action"] == "none"


def test_a_reactivation_closes_the_open_notice(
    pipeline: tuple[Stack, Receiver], database_url: str, tmp_path: Path
) -> None:
    stack, receiver = pipeline
    import_directory_sync(database_url, catalog_with(tmp_path, "eol"))
    receiver.wait_for(lambda got: alerts_for(got, PART), timeout=90)
    with httpx.Client(base_url=stack.api_url, headers={"X-API-Key": API_KEY}) as api:

        def notices() -> list[dict[str, Any]]:
            answer = api.get("/v1/notices", params={"mpn": PART})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            items: list[dict[str, Any]] = (
                body.get("items", body) if isinstance(body, dict) else body
            )
            return items

        (opened,) = wait_until(notices, what="an open notice for the part")
        import_directory_sync(database_url, catalog_with(tmp_path, "active"))
        closed = wait_until(
            lambda: [n for n in notices() if n.get("state") in ("closed", "resolved")],
            what="the notice closed by the reactivation",
        )
    assert [n["record_id"] for n in closed] == [opened["record_id"]], "one notice, now closed"
