"""Notices through the real pipeline: the four service processes, real nats-server and PostgreSQL,
alerts at a real webhook receiver; the date the scheduler sees is set through RADAR_CLOCK_FILE.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from radar_cli.commands.catalog import demo_catalog_dir
from radar_cli.infra import NatsServer
from radar_cli.stack import Stack
from radar_common.catalog.directory import import_directory_sync
from tests.support.receiver import Received, Receiver

pytestmark = [pytest.mark.integration, pytest.mark.slow]
API_KEY = "test-key-0123456789"
TODAY = datetime.now(UTC).date()
ISSUED = TODAY - timedelta(days=10)
LTB = TODAY + timedelta(days=200)
LAST_SHIP = TODAY + timedelta(days=380)
PDN = "PDN 26_0117"


@dataclass
class Running:
    api: httpx.Client
    receiver: Receiver
    clock: Path

    def alerts(self, **match: str) -> list[dict[str, Any]]:
        """The webhook bodies received so far whose ``data`` has these field values."""
        return matching(self.receiver.requests_to("/hook"), match)

    def wait_alerts(self, count: int, timeout: float = 60.0, **match: str) -> list[dict[str, Any]]:
        def enough(received: list[Received]) -> bool:
            hooks = [r for r in received if r.path == "/hook"]
            return len(matching(hooks, match)) >= count

        self.receiver.wait_for(enough, timeout=timeout)
        return self.alerts(**match)

    def send(self, path: str, body: dict[str, Any]) -> str:
        answer = self.api.post(path, json=body)
        assert answer.status_code == 202, answer.text
        task_id: str = answer.json()["task_id"]
        return task_id

    def task(self, task_id: str, timeout: float = 60.0) -> dict[str, Any]:
        task: dict[str, Any] = wait(
            lambda: _ended(self.api.get(f"/v1/tasks/{task_id}").json()), timeout
        )
        return task

    def set_clock(self, day: date) -> None:
        self.clock.write_text(day.isoformat())


def matching(received: list[Received], match: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for r in received:
        body: dict[str, Any] = r.json()
        if all(body["data"].get(k) == v for k, v in match.items()):
            out.append(body)
    return out


def _ended(task: dict[str, Any]) -> dict[str, Any] | None:
    return task if task["state"] in ("SUCCESS", "FAILED", "CANCELLED") else None


def wait(probe: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise TimeoutError(f"not reached in {timeout}s")


@pytest.fixture
def running(nats_server: NatsServer, database_url: str, tmp_path: Path) -> Iterator[Running]:
    import_directory_sync(database_url, demo_catalog_dir())
    clock = tmp_path / "today"
    clock.write_text(TODAY.isoformat())
    routes = tmp_path / "routes.yaml"
    routes.write_text("routes:\n  - {name: all, channels: [webhook], min_severity: info}\n")
    with Receiver() as receiver:
        stack = Stack(
            nats_url=nats_server.url,
            database_url=database_url,
            log_dir=tmp_path / "logs",
            extra_env={
                "RADAR_API_KEYS": API_KEY,
                "RADAR_WEBHOOK_URL": receiver.url("/hook"),
                "RADAR_ROUTES_FILE": str(routes),
                "RADAR_CLOCK_FILE": str(clock),
                "RADAR_SCHEDULER_POLL_SECONDS": "0.3",
                "RADAR_REASSESS_GRACE_SECONDS": "0",
            },
        )
        try:
            stack.start()
            with httpx.Client(
                base_url=stack.api_url, headers={"X-API-Key": API_KEY}, timeout=10
            ) as api:
                yield Running(api, receiver, clock)
        finally:
            stack.stop_all()


def siliconexpert(mpn: str, *, ltb: date = LTB, key: str = "") -> dict[str, Any]:
    return {
        "source": "siliconexpert",
        "idempotency_key": key or f"se-{mpn}-{ltb}",
        "raw_data": {
            "PCNNumber": PDN,
            "TypeOfChange": "EOL",
            "AffectedProductName": mpn,
            "Manufacturer": "STMicroelectronics",
            "NotificationDate": ISSUED.isoformat(),
            "LastTimeBuyDate": ltb.isoformat(),
            "LastShipDate": LAST_SHIP.isoformat(),
        },
    }


def vendor_email(mpn: str) -> dict[str, Any]:
    d = "%d-%b-%Y"
    return {
        "sender_domain": "st.com",
        "subject_line": f"Product Termination Notice {PDN}",
        "body_content": (
            "STMicroelectronics\nProduct Termination Notice\n"
            f"PDN number: {PDN.split()[1]}\nDate: {ISSUED.strftime(d)}\n\n"
            "The following device is discontinued.\n"
            f"Last Time Buy Date: {LTB.strftime(d)}\nLast Ship Date: {LAST_SHIP.strftime(d)}\n\n"
            f"Affected part number: {mpn}\n"
        ),
    }


def test_one_notice_from_two_sources_alerts_once_and_a_revision_once_more(
    running: Running,
) -> None:
    first = running.send("/v1/events/ingest", siliconexpert("STM32F103C8T6"))
    (alert,) = running.wait_alerts(1, mpn="STM32F103C8T6")
    data = alert["data"]
    assert (data["alert_kind"], data["notice_number"]) == ("new", PDN)
    assert alert["alert"]["engine_text"] == "Text: rules engine"
    assert running.task(first)["state"] == "SUCCESS"

    second = running.send("/v1/ingest/email-forward", vendor_email("STM32F103C8T6"))
    task = running.task(second)
    assert task["state"] == "SUCCESS"
    (notice,) = task["result"]["notices"]
    assert (notice["outcome"], notice["record_id"]) == ("merged", data["record_id"])
    time.sleep(2)  # anything the merge would have sent has had time to arrive
    assert len(running.alerts(mpn="STM32F103C8T6")) == 1
    record = running.api.get(f"/v1/notices/{data['record_id']}").json()
    assert [s["source"] for s in record["sources"]] == ["siliconexpert", "email_gateway"]
    assert [s["format"] for s in record["sources"]] == ["canonical", "email_forward"]
    assert record["assessment"]["assessment_id"] == data["assessment_id"]

    later = LTB + timedelta(days=61)
    running.send("/v1/events/ingest", siliconexpert("STM32F103C8T6", ltb=later))
    changed = running.wait_alerts(1, mpn="STM32F103C8T6", alert_kind="changed")
    (diff,) = [c for c in changed[0]["data"]["changes"] if c["field"] == "last_time_buy_date"]
    assert (diff["before"], diff["after"]) == (LTB.isoformat(), later.isoformat())
    assert any("→" in line and later.isoformat() in line for line in changed[0]["alert"]["changes"])
    time.sleep(2)
    assert len(running.alerts(mpn="STM32F103C8T6")) == 2
    entries = running.api.get(f"/v1/notices/{data['record_id']}/history").json()["entries"]
    assert [e["action"] for e in entries] == [
        "recorded",
        "assessed",
        "merged",
        "revised",
        "assessed",
    ]


def test_a_catalog_import_reassesses_only_the_notices_it_touches(running: Running) -> None:
    for mpn in ("STM32F103C8T6", "MCP2515-I/SO"):
        running.send("/v1/events/ingest", siliconexpert(mpn))
    running.wait_alerts(1, mpn="STM32F103C8T6")
    running.wait_alerts(1, mpn="MCP2515-I/SO")
    ids = {
        mpn: running.alerts(mpn=mpn)[0]["data"]["record_id"]
        for mpn in ("STM32F103C8T6", "MCP2515-I/SO")
    }
    parts = (demo_catalog_dir() / "parts.csv").read_text()
    parts = parts.replace(
        "STM32F103C8T6,STMicroelectronics,3.20,3000,2000",
        "STM32F103C8T6,STMicroelectronics,3.20,0,0",
    )
    answer = running.api.post(
        "/v1/catalog/import", files={"parts": ("parts.csv", parts.encode(), "text/csv")}
    )
    assert answer.status_code == 200, answer.text
    (changed,) = running.wait_alerts(1, mpn="STM32F103C8T6", alert_kind="changed")
    assert changed["data"]["trigger"] == "catalog"
    fields = {c["field"] for c in changed["data"]["changes"]}
    assert {"ltb_quantity", "ltb_cost"} <= fields

    def assessments(mpn: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = running.api.get(
            "/v1/assessments", params={"record_id": ids[mpn]}
        ).json()["items"]
        return items

    assert len(assessments("STM32F103C8T6")) == 2
    time.sleep(2)  # several scheduler ticks
    assert len(assessments("MCP2515-I/SO")) == 1  # not touched: not re-assessed
    assert len(running.alerts(mpn="MCP2515-I/SO")) == 1


def test_reminders_fire_on_the_clock_and_stop_after_a_decision(running: Running) -> None:
    running.send("/v1/events/ingest", siliconexpert("STM32F103C8T6"))
    (alert,) = running.wait_alerts(1, mpn="STM32F103C8T6")
    record_id = alert["data"]["record_id"]
    running.set_clock(LTB - timedelta(days=90))
    (reminder,) = running.wait_alerts(1, alert_kind="reminder")
    assert reminder["data"]["reminder_days"] == 90
    assert reminder["alert"]["title"].startswith("REMINDER, LTB in 90 days: STM32F103C8T6")
    assert reminder["alert"]["notice_url"].endswith(f"/v1/notices/{record_id}")

    decided = running.api.post(
        f"/v1/notices/{record_id}/decision",
        json={"actor": "bob", "action": "last_time_buy", "quantity": 9000},
    )
    assert decided.status_code == 200
    thirty = LTB - timedelta(days=30)
    running.set_clock(thirty)

    def assessed_on_the_new_day() -> bool:
        entries = running.api.get(f"/v1/notices/{record_id}/history").json()["entries"]
        return any(
            e["action"] == "assessed" and (e["after"] or {}).get("as_of") == thirty.isoformat()
            for e in entries
        )

    wait(assessed_on_the_new_day)  # the scheduler has run on the new day
    time.sleep(1.5)
    assert running.alerts(alert_kind="reminder") == [reminder]
    kinds = [a["data"]["alert_kind"] for a in running.alerts(mpn="STM32F103C8T6")]
    assert kinds == ["new", "reminder"]


def component_alert(mpn: str, status: str) -> dict[str, Any]:
    """What the lifecycle watcher sends for a part whose status changed."""
    return {
        "source_platform": "watcher",
        "manufacturer_code": "STMicroelectronics",
        "part_number": mpn,
        "lifecycle_status": status,
        "idempotency_key": f"watch-{mpn}-{status}",
    }


def test_a_status_report_merges_a_review_corrects_and_a_reactivation_closes(
    running: Running,
) -> None:
    running.send("/v1/events/ingest", siliconexpert("STM32F103C8T6"))
    (alert,) = running.wait_alerts(1, mpn="STM32F103C8T6")
    record_id = alert["data"]["record_id"]

    status = running.send(
        "/v1/ingest/component-alert", component_alert("STM32F103C8T6", "Obsolete")
    )
    (notice,) = running.task(status)["result"]["notices"]
    assert (notice["outcome"], notice["record_id"]) == ("merged", record_id)

    corrected = LTB + timedelta(days=30)
    review = running.api.post(
        f"/v1/notices/{record_id}/review",
        json={"actor": "jane", "corrections": {"last_time_buy_date": corrected.isoformat()}},
    )
    assert review.status_code == 202, review.text
    queued = review.json()["reassessment"]
    (changed,) = running.wait_alerts(1, mpn="STM32F103C8T6", alert_kind="changed")
    assert changed["data"]["trigger"] == "review"
    diff = {c["field"]: (c.get("before", ""), c["after"]) for c in changed["data"]["changes"]}
    assert diff["last_time_buy_date"] == (LTB.isoformat(), corrected.isoformat())
    assert diff["review"] == ("", "corrected")
    assert running.task(queued["task_id"])["state"] == "SUCCESS"

    back = running.send("/v1/ingest/component-alert", component_alert("STM32F103C8T6", "Active"))
    (closed,) = running.wait_alerts(1, mpn="STM32F103C8T6", alert_kind="closed")
    assert closed["alert"]["title"].startswith("CLOSED: STM32F103C8T6")
    assert running.task(back)["result"]["notices"][0]["outcome"] == "closed"
    kinds = [a["data"]["alert_kind"] for a in running.alerts(mpn="STM32F103C8T6")]
    assert kinds == ["new", "changed", "closed"]
    record = running.api.get(f"/v1/notices/{record_id}").json()
    assert (record["state"], record["sources_count"]) == ("closed", 3)
