"""Daily digests: batched per route and channel, sent once at the digest hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from radar_cli.infra import NatsServer
from radar_common.db import connect_pool
from radar_notifier.channels import build_channels
from radar_notifier.digest import DigestSender, cutoff_for
from radar_notifier.formats.digest import Digest, DigestEntry, render_digest_slack
from radar_notifier.ratelimit import RateLimiter
from tests.notifier.conftest import SettingsFactory
from tests.notifier.harness import finished, pipeline, publish, running, states
from tests.notifier.samples import assessment
from tests.support.receiver import Receiver


def test_cutoff_is_the_last_digest_hour() -> None:
    at = datetime(2026, 11, 22, 7, 59, tzinfo=UTC)
    assert cutoff_for(at, 8) == datetime(2026, 11, 21, 8, tzinfo=UTC)
    assert cutoff_for(at + timedelta(minutes=1), 8) == datetime(2026, 11, 22, 8, tzinfo=UTC)


def test_slack_digest_stays_within_limits() -> None:
    entries = [
        DigestEntry(f"a{i}", "high", f"HIGH: PART-{i} — PDN {i}", f"http://x/v1/tasks/{i}", "t")
        for i in range(1000)
    ]
    doc = render_digest_slack(Digest("k", "eng", "2026-11-22", entries))
    assert len(doc["blocks"]) <= 50
    assert doc["blocks"][0]["text"]["text"] == "Radar daily digest (eng, 2026-11-22): 1000 alerts"
    assert doc["blocks"][-1]["text"]["text"].endswith("and 551 more")
    assert all(len(b["text"]["text"]) <= 3000 for b in doc["blocks"][1:])


@pytest.mark.integration
async def test_a_digest_route_batches_a_day_into_one_message_sent_once(
    nats_server: NatsServer,
    database_url: str,
    receiver: Receiver,
    tmp_path: Path,
    notifier_settings: SettingsFactory,
) -> None:
    routes = tmp_path / "routes.yaml"
    routes.write_text(
        "routes:\n"
        "  - {name: urgent, channels: [slack], min_severity: critical}\n"
        "  - {name: daily, channels: [slack], min_severity: low, digest: true}\n"
    )
    # The test drives the digest clock itself.
    settings = notifier_settings("slack", routes_file=routes, digest_poll_seconds=3600.0)
    severities = ["critical", "high", "low", "info"]
    async with pipeline(nats_server.url) as (bus, tasks), running(settings):
        for i, severity in enumerate(severities):
            await publish(
                bus, tasks, assessment(assessment_id=f"a{i}", task_id=f"t{i}", severity=severity)
            )
        for i in range(len(severities)):
            await finished(tasks, f"t{i}")
    assert len(receiver.requests_to("/slack")) == 1  # only the critical one at once
    assert (await states(database_url, "a1"))["slack"] == (
        "skipped",
        0,
        "in the daily digest of route daily",
    )
    pool = await connect_pool(database_url)
    try:
        async with httpx.AsyncClient() as http:
            sender = DigestSender(
                pool, build_channels(settings, http), RateLimiter(pool), settings, "test"
            )
            tomorrow = datetime.now(UTC) + timedelta(days=1)
            first = await sender.send_due(tomorrow)
            again = await sender.send_due(tomorrow + timedelta(hours=1))
    finally:
        await pool.close()
    assert list(first.values()) == ["sent"]
    assert again == {}
    digests = receiver.requests_to("/slack")[1:]
    assert len(digests) == 1
    text = digests[0].json()["blocks"][1]["text"]["text"]
    assert "HIGH: EXR12-33DBVR" in text
    assert "LOW: EXR12-33DBVR" in text
    assert "CRITICAL" not in text  # sent at once, not batched again
    assert "INFO" not in text  # below every route
    assert text.index("HIGH") < text.index("LOW")
