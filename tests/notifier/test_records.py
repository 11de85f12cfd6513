"""The notification ledger against a real PostgreSQL: claims, leases, outcomes."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from radar_notifier import records

pytestmark = pytest.mark.integration


async def _claim(pool: asyncpg.Pool, owner: str, lease: float = 30.0) -> records.Claim:
    return await records.claim(
        pool,
        assessment_id="asm-1",
        channel="slack",
        task_id="task-1",
        trace_id="trace-1",
        owner=owner,
        lease_seconds=lease,
    )


async def test_only_one_of_many_concurrent_claims_wins(pool: asyncpg.Pool) -> None:
    claims = await asyncio.gather(*(_claim(pool, f"replica-{i}") for i in range(20)))
    assert sum(c.owned for c in claims) == 1
    assert {c.record.notification_id for c in claims} == {records.notification_id("asm-1", "slack")}


async def test_a_live_lease_is_respected_and_an_expired_one_taken_over(
    pool: asyncpg.Pool,
) -> None:
    first = await _claim(pool, "a", lease=0.3)
    assert first.owned
    assert not (await _claim(pool, "b")).owned
    await asyncio.sleep(0.4)  # "a" died mid-send: its lease runs out
    second = await _claim(pool, "b")
    assert second.owned
    # "a" wakes up: it must not send any more, and cannot record a failure over "b".
    assert not await records.renew(pool, first.record.notification_id, "a", 30.0)
    assert (
        await records.settle(pool, first.record.notification_id, "a", "failed", attempts=1) is None
    )
    assert await records.renew(pool, second.record.notification_id, "b", 30.0)


async def test_sent_is_final_and_failed_is_claimable_again(pool: asyncpg.Pool) -> None:
    claim = await _claim(pool, "a")
    nid = claim.record.notification_id
    failed = await records.settle(pool, nid, "a", "failed", attempts=3, error="slack: HTTP 503")
    assert failed is not None
    assert failed.state == "failed"
    assert failed.lease_owner is None
    retry = await _claim(pool, "b")
    assert retry.owned
    sent = await records.settle(pool, nid, "b", "sent", attempts=1)
    assert sent is not None
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 4, None)
    assert sent.sent_at is not None
    again = await _claim(pool, "c")
    assert not again.owned
    assert again.record.settled
    # Nothing overwrites sent, not even a late "sent" from someone else.
    assert await records.settle(pool, nid, "a", "sent", attempts=1) is None
    assert await records.give_up(pool, nid, "late") is False


async def test_skip_records_once_and_lists_by_assessment(pool: asyncpg.Pool) -> None:
    for _ in range(2):
        await records.skip(
            pool,
            assessment_id="asm-1",
            channel="teams",
            task_id="task-1",
            trace_id="trace-1",
            reason="not routed",
        )
    await _claim(pool, "a")
    rows = await records.of_assessment(pool, "asm-1")
    assert [(r.channel, r.state) for r in rows] == [("slack", "pending"), ("teams", "skipped")]
    assert rows[1].summary()["last_error"] == "not routed"
