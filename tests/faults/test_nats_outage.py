"""nats-server stops mid-stream and comes back on its file store: 503 while down, then all done."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from radar_cli.infra import NatsServer, PostgresServer
from tests.faults.conftest import PipelineFactory
from tests.faults.harness import Sender, fault_events, settle
from tests.faults.hooks import HookReceiver

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(300)]

STREAM_SECONDS = 14.0
OUTAGE_SECONDS = 6.0
# Bound on how long ingestion may hold a request before answering 503 (default 5 s).
ACCEPT_TIMEOUT = "2"


def test_ingestion_refuses_while_nats_is_down_and_everything_accepted_completes(
    make_pipeline: PipelineFactory,
    nats_server: NatsServer,
    postgres_server: PostgresServer,
    database_url: str,
    receiver: HookReceiver,
) -> None:
    pipeline = make_pipeline(database_url, RADAR_ACCEPT_TIMEOUT_SECONDS=ACCEPT_TIMEOUT)
    count = fault_events()
    started = time.monotonic()
    sender = Sender(pipeline.api_url, count, rate=count / STREAM_SECONDS, prefix="NATS").start()
    time.sleep(3.0)
    nats_server.stop()
    stopped_at = time.time()
    time.sleep(OUTAGE_SECONDS)
    restarting_at = time.time()
    nats_server.start()
    sender.join()

    during = [
        a for a in sender.attempts if a.sent_at > stopped_at and a.answered_at < restarting_at
    ]
    answers = Counter(a.status for a in during)
    near = [
        (round(a.sent_at - stopped_at, 2), round(a.answered_at - stopped_at, 2), a.status)
        for a in sender.attempts
        if a.sent_at > stopped_at - 1
    ][:40]
    assert answers, f"no answer while nats-server was down (sent, answered, status): {near}"
    assert answers[202] == 0, f"202 while nats-server was down: {answers}"
    assert set(answers) == {503}, f"while down, every answer must be 503: {answers}"

    outcome = settle(
        f"nats-server down {OUTAGE_SECONDS:.0f} s mid-stream ({answers[503]} x 503 while down)",
        pipeline.api_url,
        receiver,
        set(sender.accepted.values()),
        started,
    )
    assert len(sender.accepted) == count, "every notice is accepted once its sender retried"
    outcome.assert_nothing_lost()
