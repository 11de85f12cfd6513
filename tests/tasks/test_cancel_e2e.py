"""Through the four real service processes: a cancelled task is never worked on or alerted.

The event is cancelled while it waits in JetStream (the workers are not started yet); then the
workers start, consume it, and must drop it — while a second, uncancelled event goes through to
the alert receiver, followed live by ``radar task watch``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from radar_cli.infra import NatsServer
from radar_cli.stack import Stack
from tests.support.receiver import Received, Receiver

pytestmark = pytest.mark.integration
API_KEY = "task-e2e-key-0123456789"
WORKERS = ("normalizer", "inference", "notifier")


@pytest.fixture
def stack(
    nats_server: NatsServer, database_url: str, receiver: Receiver, tmp_path: Path
) -> Iterator[Stack]:
    # Without a catalog every part is "info": route that too, so an alert is expected.
    routes = tmp_path / "routes.yaml"
    routes.write_text(
        "routes:\n  - name: everything\n    channels: [webhook]\n    min_severity: info\n"
    )
    s = Stack(
        nats_url=nats_server.url,
        database_url=database_url,
        log_dir=tmp_path / "logs",
        extra_env={
            "RADAR_API_KEYS": API_KEY,
            "RADAR_WEBHOOK_URL": receiver.url("/hook"),
            "RADAR_ROUTES_FILE": str(routes),
        },
    )
    try:
        s.start(("ingestion",))
        yield s
    finally:
        s.stop_all()


def ingest(api: httpx.Client, mpn: str) -> dict[str, Any]:
    answer = api.post(
        "/v1/events/ingest",
        json={
            "source": "siliconexpert",
            "raw_data": {"mpn": mpn, "manufacturer": "TI", "lifecycle_status": "EOL"},
        },
    )
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    return body


def mentions(alert: Received, task_id: str) -> bool:
    return task_id.encode() in alert.body


def watch(stack: Stack, task_id: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "RADAR_API_URL": stack.api_url,
        "RADAR_API_KEY": API_KEY,
        "COLUMNS": "120",
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "radar"), "task", "watch", task_id],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_task_cancelled_before_the_workers_run_sends_no_alert(
    stack: Stack, receiver: Receiver
) -> None:
    with httpx.Client(base_url=stack.api_url, headers={"X-API-Key": API_KEY}) as api:
        cancelled = ingest(api, "LM358DR")
        answer = api.delete(f"/v1/tasks/{cancelled['task_id']}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "CANCELLED"

        followed = ingest(api, "TPS7A4700")
        watcher = watch(stack, followed["task_id"])
        stack.start(WORKERS)

        try:
            alerts = receiver.wait_for(lambda rs: any(mentions(r, followed["task_id"]) for r in rs))
        except TimeoutError:
            watcher.kill()
            watcher.communicate()
            state = api.get(f"/v1/tasks/{followed['task_id']}").text
            pytest.fail(f"no alert for the uncancelled task: {state}")
        output, _ = watcher.communicate(timeout=60)
        assert watcher.returncode == 0, output
        assert "SUCCESS" in output
        assert "100%" in output

        # The cancelled event was consumed first (same stream, earlier sequence) and dropped.
        assert not any(mentions(r, cancelled["task_id"]) for r in alerts)
        time.sleep(1.0)
        assert not any(mentions(r, cancelled["task_id"]) for r in receiver.received)
        task = api.get(f"/v1/tasks/{cancelled['task_id']}").json()
        assert task["state"] == "CANCELLED"
        assert task["percent"] == 5
        assert task["result"]["notifications"] == []
        assert [s["state"] for s in task["steps"][1:]] == ["pending"] * 5

        ended = watch(stack, cancelled["task_id"])
        output, _ = ended.communicate(timeout=30)
        assert ended.returncode == 1, output
        assert "CANCELLED" in output
        assert api.delete(f"/v1/tasks/{followed['task_id']}").status_code == 409
