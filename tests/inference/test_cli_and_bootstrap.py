"""``radar import DIR`` and ``python -m radar_inference.bootstrap``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from radar_cli.commands.catalog import demo_catalog_dir
from radar_cli.infra import NatsServer
from radar_cli.main import app
from radar_common.bus.connection import Bus
from radar_common.bus.topology import Topology
from tests.inference.catalogs import pool_for

pytestmark = pytest.mark.integration


async def _count(database_url: str, table: str) -> int:
    async with pool_for(database_url) as pool:
        return int(await pool.fetchval(f"SELECT count(*) FROM {table}"))


def test_radar_import_loads_the_demo_and_reports_errors(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["import", str(demo_catalog_dir()), "--database-url", database_url])
    assert done.exit_code == 0, done.output
    assert "Catalog imported" in done.output
    parts = asyncio.run(_count(database_url, "parts"))
    assert parts >= 20
    # Noted, so the scheduler re-assesses the open notices it touched.
    assert asyncio.run(_count(database_url, "notice_catalog_changes")) == 1

    (tmp_path / "products.csv").write_text("sku,name,unit_price,monthly_demand\nA,Alpha,1,lots\n")
    refused = runner.invoke(
        app, ["import", str(tmp_path)], env={"RADAR_DATABASE_URL": database_url}
    )
    assert refused.exit_code == 1
    assert "products.csv, line 2, column monthly_demand (4)" in " ".join(refused.output.split())
    assert asyncio.run(_count(database_url, "products")) == 6  # unchanged
    assert asyncio.run(_count(database_url, "notice_catalog_changes")) == 1  # nothing to note


def test_bootstrap_creates_streams_consumers_and_schema(
    nats_server: NatsServer, database_url: str
) -> None:
    env = {
        **os.environ,
        "RADAR_NATS_URL": nats_server.url,
        "RADAR_DATABASE_URL": database_url,
        "RADAR_STREAM_PREFIX": "BOOT",
        "RADAR_SUBJECT_PREFIX": "boot",
    }
    done = subprocess.run(
        [sys.executable, "-m", "radar_inference.bootstrap"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    async def check() -> None:
        topology = Topology(stream_prefix="BOOT", subject_prefix="boot")
        async with await Bus.connect(nats_server.url, topology, name="check") as bus:
            info = await bus.js.consumer_info(topology.notices_stream.name, "inference")
            assert info.config.durable_name == "inference"
            for consumer in topology.consumers:  # inference-work among them
                info = await bus.js.consumer_info(consumer.stream, consumer.durable)
                assert info.config.filter_subject == consumer.filter_subject
        assert await _count(database_url, "schema_migrations") >= 2

    asyncio.run(check())
