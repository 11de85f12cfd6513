"""The whole of Radar for the console's notice pages: ingestion, normalizer, inference,
notifier and the console as real processes, real nats-server and PostgreSQL, the demo catalog,
alerts at a real webhook receiver, and notices sent in through the API like any source."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from radar_cli.commands.catalog import demo_catalog_dir
from radar_cli.infra import NatsServer
from radar_cli.stack import PIPELINE, Stack
from radar_common.catalog.directory import import_directory_sync
from tests.records.test_pipeline import wait
from tests.support.receiver import Receiver

API_KEY = "console-test-key-0123456789"
TODAY = datetime.now(UTC).date()
ISSUED = TODAY - timedelta(days=10)
LTB = TODAY + timedelta(days=200)
LAST_SHIP = TODAY + timedelta(days=380)


@dataclass
class Radar:
    stack: Stack
    api: httpx.Client
    receiver: Receiver
    console_url: str
    dev_link: str
    database_url: str
    clock: Path

    def set_today(self, day: date) -> None:
        """The day every service sees (RADAR_CLOCK_FILE, read at each use)."""
        self.clock.write_text(day.isoformat())

    def send(self, path: str, body: dict[str, Any]) -> str:
        answer = self.api.post(path, json=body)
        assert answer.status_code == 202, answer.text
        task_id: str = answer.json()["task_id"]
        return task_id

    def task(self, task_id: str, timeout: float = 90.0) -> dict[str, Any]:
        def ended() -> dict[str, Any] | None:
            task: dict[str, Any] = self.api.get(f"/v1/tasks/{task_id}").json()
            return task if task["state"] in ("SUCCESS", "FAILED", "CANCELLED") else None

        found: dict[str, Any] = wait(ended, timeout)
        return found

    def notices(self, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.api.get(
            "/v1/notices", params={"limit": 500, **params}
        ).json()["items"]
        return items

    def notice(self, record_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.api.get(f"/v1/notices/{record_id}").json()
        return found

    def alerts(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.receiver.requests_to("/hook")]


def siliconexpert(mpn: str, maker: str, number: str, *, ltb: date = LTB) -> dict[str, Any]:
    return {
        "source": "siliconexpert",
        "idempotency_key": f"se-{mpn}-{number}-{ltb}",
        "raw_data": {
            "PCNNumber": number,
            "TypeOfChange": "EOL",
            "AffectedProductName": mpn,
            "Manufacturer": maker,
            "NotificationDate": ISSUED.isoformat(),
            "LastTimeBuyDate": ltb.isoformat(),
            "LastShipDate": LAST_SHIP.isoformat(),
        },
    }


def ambiguous_email(mpn: str, number: str, ltb_text: str) -> dict[str, Any]:
    """A vendor e-mail whose LTB date reads two ways (day/month or month/day)."""
    return {
        "sender_domain": "ti.com",
        "subject_line": f"Product Discontinuance Notice {number}",
        "body_content": (
            "Texas Instruments\nProduct Discontinuance Notice\n"
            f"PDN number: {number}\nDate: {ISSUED.isoformat()}\n\n"
            "The following device is discontinued.\n"
            f"Last Time Buy Date: {ltb_text}\nLast Ship Date: {LAST_SHIP.isoformat()}\n\n"
            f"Affected part number: {mpn}\n"
        ),
    }


def start_radar(nats: NatsServer, database_url: str, workdir: Path, receiver: Receiver) -> Radar:
    import_directory_sync(database_url, demo_catalog_dir())
    clock = workdir / "today"
    clock.write_text(TODAY.isoformat())
    routes = workdir / "routes.yaml"
    routes.write_text("routes:\n  - {name: all, channels: [webhook], min_severity: info}\n")
    token = secrets.token_urlsafe(24)
    stack = Stack(nats_url=nats.url, database_url=database_url, log_dir=workdir / "logs")
    console_url = f"http://127.0.0.1:{stack.port_of('console')}"
    stack.extra_env.update(
        {
            "RADAR_API_KEYS": API_KEY,
            "RADAR_WEBHOOK_URL": receiver.url("/hook"),
            "RADAR_ROUTES_FILE": str(routes),
            "RADAR_CLOCK_FILE": str(clock),
            "RADAR_SCHEDULER_POLL_SECONDS": "0.5",
            "RADAR_REASSESS_GRACE_SECONDS": "0",
            "RADAR_CONSOLE_URL": console_url,
            "RADAR_CONSOLE_SESSION_SECRET": secrets.token_urlsafe(32),
            "RADAR_CONSOLE_COOKIE_SECURE": "false",
            "RADAR_CONSOLE_DEV_SIGN_IN": "true",
            "RADAR_CONSOLE_DEV_TOKEN": token,
            "RADAR_LOG_JSON": "false",
            "OTEL_SDK_DISABLED": "true",
        }
    )
    stack.start((*PIPELINE, "console"), timeout=180)
    api = httpx.Client(base_url=stack.api_url, headers={"X-API-Key": API_KEY}, timeout=20)
    return Radar(
        stack=stack,
        api=api,
        receiver=receiver,
        console_url=console_url,
        dev_link=f"{console_url}/auth/dev?token={token}",
        database_url=database_url,
        clock=clock,
    )
