"""The watcher as real processes: SIGKILLed mid-cycle it resumes; of two replicas one polls."""

from __future__ import annotations

import asyncio
import os
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from radar_cli.infra import free_port
from radar_cli.stack import ServiceProcess
from radar_common.catalog import import_texts
from radar_common.db import connect_pool, migrate
from tests.watcher.conftest import numbered, parts_csv
from tests.watcher.harness import query, wait_until
from tests.watcher.providers import Nexar, Part, Served, settings_env

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]
PARTS = 10_000
PER_REQUEST = 100


def nexar_cycle(database_url: str) -> dict[str, Any]:
    rows = query(
        database_url,
        "SELECT cycle, checked, total, cycle_finished_at FROM watcher_sources"
        " WHERE source = 'nexar'",
    )
    return rows[0] if rows else {"cycle": 0, "checked": 0, "total": 0, "cycle_finished_at": None}


def leader_metric(svc: ServiceProcess) -> float:
    with urllib.request.urlopen(f"{svc.url}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("radar_watcher_leader "):
                return float(line.split()[1])
    return -1.0


@pytest.fixture
def catalog(database_url: str) -> str:
    async def load() -> None:
        pool = await connect_pool(database_url)
        try:
            await migrate(pool)
            await import_texts(pool, {"parts.csv": parts_csv(numbered(PARTS))})
        finally:
            await pool.close()

    asyncio.run(load())
    return database_url


@pytest.fixture
def nexar() -> Iterator[tuple[Nexar, Served]]:
    provider = Nexar([Part(m, maker) for m, maker, _ in numbered(PARTS)])
    with Served(provider) as served:
        yield provider, served


def watcher(database_url: str, served: Served, logs: Path, name: str) -> ServiceProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
    env |= settings_env({"nexar": served}) | {
        "RADAR_DATABASE_URL": database_url,
        "RADAR_HTTP_HOST": "127.0.0.1",
        "RADAR_LOG_JSON": "false",
        # 100 requests of 100 parts at 300 a minute: 20 s, so that a kill lands mid-cycle.
        "RADAR_NEXAR_REQUESTS_PER_MINUTE": "300",
        "RADAR_WATCHER_INTERVAL_SECONDS": "3600",
        "RADAR_WATCHER_SPREAD": "0.001",
        "RADAR_WATCHER_LEASE_SECONDS": "3",
        "RADAR_WATCHER_API_KEY": "unused-no-change-expected",
        "PYTHONUNBUFFERED": "1",
    }
    port = free_port()
    env["RADAR_HTTP_PORT"] = str(port)
    svc = ServiceProcess(name, "radar_watcher", port, env, logs / f"{name}.log")
    svc.start()
    wait_until(svc.ready, timeout=60, what=f"{name} ready")
    return svc


def test_a_cycle_killed_halfway_resumes_without_checking_a_part_twice(
    catalog: str, nexar: tuple[Nexar, Served], tmp_path: Path
) -> None:
    provider, served = nexar
    first = watcher(catalog, served, tmp_path, "watcher-1")
    try:
        wait_until(lambda: nexar_cycle(catalog)["checked"] >= PARTS // 2, what="half the parts")
        first.stop(signal.SIGKILL)
        killed_at = nexar_cycle(catalog)
        assert 0 < killed_at["checked"] < PARTS, killed_at
        asked_before = provider.asked.copy()
    finally:
        first.stop(signal.SIGKILL)
    second = watcher(catalog, served, tmp_path, "watcher-2")
    try:
        done = wait_until(
            lambda: (c := nexar_cycle(catalog))["cycle_finished_at"] is not None and c,
            what="the cycle finished after the restart",
        )
    finally:
        second.stop()
    assert done["cycle"] == 1, "the same cycle was resumed, not a new one started"
    assert done["checked"] == PARTS
    observed = query(
        catalog, "SELECT count(*) AS n FROM watcher_observations WHERE source = 'nexar'"
    )
    assert observed[0]["n"] == PARTS
    everything = [m for m, _, _ in numbered(PARTS)]
    assert all(provider.asked[m] >= 1 for m in everything)
    twice = [m for m in everything if provider.asked[m] > 1]
    # Only the request in flight when the process died can have been asked again.
    assert len(twice) <= PER_REQUEST, len(twice)
    assert all(asked_before[m] == 1 for m in twice)
    assert sum(asked_before.values()) >= killed_at["checked"]
    assert query(catalog, "SELECT count(*) AS n FROM watcher_changes")[0]["n"] == 0


def test_of_two_replicas_one_polls_and_the_other_takes_over(
    catalog: str, nexar: tuple[Nexar, Served], tmp_path: Path
) -> None:
    provider, served = nexar
    a = watcher(catalog, served, tmp_path, "replica-a")
    b = watcher(catalog, served, tmp_path, "replica-b")
    replicas = {"a": a, "b": b}
    try:
        wait_until(lambda: nexar_cycle(catalog)["checked"] >= PARTS // 4, what="polling started")
        leaders = {n: leader_metric(s) for n, s in replicas.items()}
        assert sorted(leaders.values()) == [0.0, 1.0], leaders
        assert len(provider.tokens) == 1, "only the leader ever talked to the provider"
        leader = next(n for n, v in leaders.items() if v == 1.0)
        standby = "b" if leader == "a" else "a"
        replicas[leader].stop(signal.SIGKILL)
        wait_until(lambda: leader_metric(replicas[standby]) == 1.0, timeout=30, what="takeover")
        done = wait_until(
            lambda: (c := nexar_cycle(catalog))["cycle_finished_at"] is not None and c,
            what="the cycle finished by the new leader",
        )
    finally:
        for svc in replicas.values():
            svc.stop(signal.SIGKILL)
    assert done["checked"] == PARTS
    assert len(provider.tokens) == 2
    twice = [m for m, _, _ in numbered(PARTS) if provider.asked[m] > 1]
    assert len(twice) <= PER_REQUEST, len(twice)
