"""PostgreSQL stops mid-stream: inference and notifier back off and resume, nothing is lost."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from radar_cli.infra import PostgresServer
from tests.faults.conftest import PipelineFactory
from tests.faults.harness import Sender, fault_events, settle
from tests.faults.hooks import HookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(300)]

STREAM_SECONDS = 12.0
OUTAGE_SECONDS = 8.0


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of this test alone: stopping it must not disturb the session's."""
    root = Path(tempfile.mkdtemp(prefix="radar-pg-fault-"))
    server = PostgresServer(root / "data").start()
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_postgres_outage_delays_but_dead_letters_nothing(
    make_pipeline: PipelineFactory, own_postgres: PostgresServer, receiver: HookReceiver
) -> None:
    pipeline = make_pipeline(own_postgres.create_database("radar"))
    count = fault_events()
    started = time.monotonic()
    sender = Sender(pipeline.api_url, count, rate=count / STREAM_SECONDS, prefix="PG").start()
    time.sleep(3.0)
    own_postgres.stop("fast")  # disconnects every client, like a failover
    time.sleep(OUTAGE_SECONDS)
    own_postgres.start()
    sender.join()

    outcome = settle(
        f"PostgreSQL down {OUTAGE_SECONDS:.0f} s mid-stream",
        pipeline.api_url,
        receiver,
        set(sender.accepted.values()),
        started,
    )
    assert len(sender.accepted) == count, "ingestion does not need PostgreSQL to accept"
    outcome.assert_nothing_lost()  # nothing dead-lettered that would have succeeded
    assert "retry" in pipeline.logs().lower(), "the outage was not even noticed"
