"""Two replicas of every worker on the same durable consumers: no duplicates, no lost progress."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from radar_cli.infra import PostgresServer
from tests.faults.conftest import PipelineFactory
from tests.faults.harness import Sender, fault_events, notifier_channels, settle
from tests.faults.hooks import HookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(300)]


def test_two_replicas_of_each_worker_share_the_work_exactly_once(
    make_pipeline: PipelineFactory,
    postgres_server: PostgresServer,
    database_url: str,
    receiver: HookReceiver,
) -> None:
    pipeline = make_pipeline(database_url)
    extra = {name: pipeline.add_replica(name) for name in ("normalizer", "inference", "notifier")}
    count = fault_events()
    started = time.monotonic()
    sender = Sender(pipeline.api_url, count, rate=count / 8.0, prefix="REP").start()
    time.sleep(4.0)
    # One replica dies mid-stream; its unacked messages go to the other after ack_wait.
    extra["inference"].stop(9)
    sender.join()

    accepted = set(sender.accepted.values())
    outcome = settle(
        "two replicas per worker, one inference replica SIGKILLed",
        pipeline.api_url,
        receiver,
        accepted,
        started,
    )
    assert len(accepted) == count
    outcome.assert_nothing_lost()
    assert outcome.ledger.deliveries.delivered == count * len(notifier_channels())
    assert all(outcome.views[t]["percent"] == 100 for t in accepted), "progress lost"
    # Both processes of each worker did part of the work.
    for name in ("normalizer", "notifier"):
        first = processed(pipeline.stack.services[name].url, name)
        second = processed(extra[name].url, name)
        assert first > 0, f"{name}: first replica idle"
        assert second > 0, f"{name}: second replica idle"


def processed(ops_url: str, stage: str) -> float:
    """Messages a replica acked, from its Prometheus endpoint."""
    text = httpx.get(f"{ops_url}/metrics", timeout=5).text
    pattern = rf'^radar_stage_messages_processed_total{{stage="{stage}"}} ([0-9.e+]+)$'
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else 0.0
