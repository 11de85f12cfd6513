"""`radar watch --once`: one cycle by hand, a progress bar, changes sent, the lease respected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from radar_watcher.courier import ENDPOINT
from radar_watcher.lease import Lease
from tests.support.receiver import Answer, Receiver
from tests.watcher.conftest import import_parts, numbered
from tests.watcher.harness import serving
from tests.watcher.providers import Mouser, Part, settings_env

pytestmark = pytest.mark.integration
RADAR = Path(sys.executable).parent / "radar"


@pytest.fixture
def ingestion() -> Iterator[Receiver]:
    with Receiver() as receiver:
        receiver.default(
            ENDPOINT,
            Answer(
                202,
                json.dumps({"task_id": "task-by-hand"}).encode(),
                {"Content-Type": "application/json"},
            ),
        )
        yield receiver


def radar_watch(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
    clean |= {"RADAR_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "120", **env}
    return subprocess.run(
        [str(RADAR), "watch", "--once"],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_one_cycle_by_hand_reports_and_sends_the_change(
    pool: asyncpg.Pool, database_url: str, ingestion: Receiver, tmp_path: Path
) -> None:
    rows = numbered(25)
    await import_parts(pool, rows)
    mouser = Mouser([Part(m, maker) for m, maker, _ in rows])
    with serving(mouser) as served:
        env = settings_env(served) | {
            "RADAR_DATABASE_URL": database_url,
            "RADAR_API_URL": ingestion.url(""),
            "RADAR_API_KEY": "dev-key",
        }
        first = radar_watch(env, tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "mouser" in first.stdout
        assert "25/25" in first.stdout, first.stdout  # the progress bar ends full
        assert ingestion.requests_to(ENDPOINT) == []

        mouser.set_status("WT000003", "eol")
        second = radar_watch(env, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "sent: task task-by-hand" in second.stdout
    (sent,) = ingestion.requests_to(ENDPOINT)
    assert sent.headers["X-API-Key"] == "dev-key"
    body = sent.json()
    assert (body["part_number"], body["lifecycle_status"], body["source_platform"]) == (
        "WT000003",
        "eol",
        "mouser",
    )
    assert set(mouser.asked.values()) == {2}, "each part once per cycle"


async def test_refuses_to_poll_beside_a_running_watcher_and_reports_a_failing_source(
    pool: asyncpg.Pool, database_url: str, ingestion: Receiver, tmp_path: Path
) -> None:
    await import_parts(pool, numbered(3))
    mouser = Mouser([])
    with serving(mouser) as served:
        env = settings_env(served) | {
            "RADAR_DATABASE_URL": database_url,
            "RADAR_API_URL": ingestion.url(""),
        }
        running = Lease(pool, 60.0, holder="watcher-pod-1")
        assert await running.acquire()
        busy = radar_watch(env, tmp_path)
        assert busy.returncode == 1
        assert "held by watcher-pod-1" in busy.stdout
        await running.release()

        refused = radar_watch(env | {"RADAR_MOUSER_API_KEY": "wrong"}, tmp_path)
    assert refused.returncode == 1, refused.stdout
    assert "failed" in refused.stdout
    assert "refused the API key" in refused.stdout
    assert mouser.asked.total() == 0
