"""Alert receivers that throttle, fail, hang or are gone: delivered once or failed with why."""

from __future__ import annotations

import json
import time

import pytest

from radar_cli.infra import PostgresServer
from tests.faults.conftest import PipelineFactory
from tests.faults.harness import Sender, notifier_channels, settle
from tests.faults.hooks import HookReceiver
from tests.support.receiver import Answer

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(240)]

# The MPN of each notice names how the faulty channel treats it; the policy reads the body.
BEHAVIOURS = ("OK", "THROTTLE", "STORM", "HANG", "GONE")
HTTP_TIMEOUT = 1.0


def faulty_channel() -> str:
    """Slack when the notifier has it, else the generic webhook."""
    return notifier_channels()[0]


def policy(channel: str, body: bytes, attempt: int) -> Answer:
    """The faulty channel misbehaves as the MPN says; every other channel answers 200."""
    if channel != faulty_channel():
        return Answer()
    if b"GONE" in body:
        return Answer(410, b"channel_is_archived")
    if b"THROTTLE" in body and attempt == 1:
        return Answer(429, b"rate_limited", {"Retry-After": "1"})
    if b"STORM" in body and attempt <= 2:
        return Answer(500, b"internal error")
    if b"HANG" in body and attempt == 1:
        return Answer(delay=HTTP_TIMEOUT + 1.5)
    return Answer()


def test_failing_receivers_deliver_once_or_fail_with_the_reason(
    make_pipeline: PipelineFactory,
    postgres_server: PostgresServer,
    database_url: str,
    receiver: HookReceiver,
) -> None:
    receiver.policy = policy
    pipeline = make_pipeline(
        database_url,
        RADAR_HTTP_TIMEOUT_SECONDS=str(HTTP_TIMEOUT),
        RADAR_RETRY_BASE_SECONDS="0.2",
        RADAR_BACKOFF_BASE_SECONDS="0.2",
    )
    count = 10 * len(BEHAVIOURS)
    started = time.monotonic()
    sender = Sender(
        pipeline.api_url,
        count,
        rate=50,
        prefix="RCV",
        marker=lambda i: BEHAVIOURS[i % len(BEHAVIOURS)],
    ).start()
    sender.join()
    kind = {
        task: BEHAVIOURS[int(key.split("-")[1]) % len(BEHAVIOURS)]
        for key, task in sender.accepted.items()
    }
    outcome = settle(
        f"receivers: {faulty_channel()} answers {', '.join(BEHAVIOURS)}",
        pipeline.api_url,
        receiver,
        set(kind),
        started,
        timeout=120,
    )
    ledger = outcome.ledger
    assert ledger.balanced, ledger.table()
    assert ledger.deliveries.duplicates == 0, ledger.table()

    delivered = receiver.delivered_pairs()
    for task, behaviour in kind.items():
        view = outcome.views[task]
        for channel in notifier_channels():
            if channel != faulty_channel():  # other channels unaffected
                assert (channel, task) in delivered, (channel, behaviour, view)
        if behaviour == "GONE":
            # Dead-lettered or recorded as failed, with the receiver's answer as the reason.
            assert (faulty_channel(), task) not in delivered
            assert "410" in json.dumps(view), view
        else:
            assert view["state"] == "SUCCESS", (behaviour, view)
            assert (faulty_channel(), task) in delivered, (behaviour, view)
