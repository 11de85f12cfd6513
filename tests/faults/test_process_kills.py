"""SIGKILL each service in turn while notices stream in: nothing accepted is lost or doubled."""

from __future__ import annotations

import time

import pytest

from radar_cli.infra import PostgresServer
from tests.faults.conftest import PipelineFactory
from tests.faults.harness import Sender, fault_events, settle
from tests.faults.hooks import HookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(300)]

# The stream lasts about this long, whatever the count, so that every kill lands mid-stream.
STREAM_SECONDS = 16.0


def test_sigkill_each_service_in_turn_loses_and_doubles_nothing(
    make_pipeline: PipelineFactory,
    postgres_server: PostgresServer,
    database_url: str,
    receiver: HookReceiver,
) -> None:
    pipeline = make_pipeline(database_url)
    count = fault_events()
    started = time.monotonic()
    sender = Sender(pipeline.api_url, count, rate=count / STREAM_SECONDS, prefix="KILL").start()
    for name in ("ingestion", "normalizer", "inference", "notifier"):
        time.sleep(1.5)
        pipeline.stack.kill(name)
        pipeline.stack.restart(name)
    sender.join()
    outcome = settle(
        "SIGKILL ingestion, normalizer, inference, notifier in turn",
        pipeline.api_url,
        receiver,
        set(sender.accepted.values()),
        started,
    )
    assert outcome.ledger.accepted == count, "a retried notice must be accepted in the end"
    outcome.assert_nothing_lost()
