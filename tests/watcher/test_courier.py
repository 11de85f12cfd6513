"""Delivering recorded changes to ingestion: retried on 503, refused for good on 422, kept on 401.

Ingestion is a loopback server answering as scripted; the outbox is real PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from radar_watcher.courier import ENDPOINT, Courier, KeyRefused
from tests.support.receiver import Answer, Receiver

pytestmark = pytest.mark.integration
KEY = "watcher-key"


@pytest.fixture
def ingestion() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def accepted(task_id: str, replayed: bool = False) -> Answer:
    headers = {"Content-Type": "application/json"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Answer(202, json.dumps({"task_id": task_id, "state": "QUEUED"}).encode(), headers)


async def add_change(pool: asyncpg.Pool, change_id: str, mpn: str) -> None:
    payload = {"source_platform": "nexar", "part_number": mpn, "idempotency_key": change_id}
    await pool.execute(
        "INSERT INTO watcher_changes (change_id, source, mpn, kind, old_status, new_status,"
        " payload) VALUES ($1, 'nexar', $2, 'lifecycle_change', 'active', 'eol', $3::text::jsonb)",
        change_id,
        mpn,
        json.dumps(payload),
    )


async def states(pool: asyncpg.Pool) -> dict[str, tuple[str, str | None]]:
    rows = await pool.fetch("SELECT change_id, state, task_id FROM watcher_changes")
    return {r["change_id"]: (r["state"], r["task_id"]) for r in rows}


async def test_503_is_retried_with_the_same_key_and_body_until_accepted(
    pool: asyncpg.Pool, ingestion: Receiver
) -> None:
    await add_change(pool, "c1", "LM358DR")
    ingestion.script(ENDPOINT, Answer(503, b"{}", {"Retry-After": "0"}), accepted("task-1"))
    async with httpx.AsyncClient() as client:
        courier = Courier(pool, client, ingestion.url(""), KEY, attempts=3, max_wait=0.1)
        (done,) = await courier.deliver_pending()
    assert (done.change_id, done.task_id, done.replayed) == ("c1", "task-1", False)
    sent = ingestion.requests_to(ENDPOINT)
    assert len(sent) == 2
    assert {r.headers["Idempotency-Key"] for r in sent} == {"c1"}
    assert {r.headers["X-API-Key"] for r in sent} == {KEY}
    assert sent[0].body == sent[1].body
    assert await states(pool) == {"c1": ("delivered", "task-1")}


async def test_a_replay_answer_counts_as_delivered(pool: asyncpg.Pool, ingestion: Receiver) -> None:
    await add_change(pool, "c1", "LM358DR")
    ingestion.script(ENDPOINT, accepted("task-1", replayed=True))
    async with httpx.AsyncClient() as client:
        (done,) = await Courier(pool, client, ingestion.url(""), KEY).deliver_pending()
    assert done.replayed is True
    assert await states(pool) == {"c1": ("delivered", "task-1")}


async def test_422_is_refused_for_good_and_the_next_change_still_goes(
    pool: asyncpg.Pool, ingestion: Receiver
) -> None:
    await add_change(pool, "c1", "BAD")
    await add_change(pool, "c2", "LM358DR")
    ingestion.script(ENDPOINT, Answer(422, b'{"title": "validation"}'), accepted("task-2"))
    async with httpx.AsyncClient() as client:
        delivered = await Courier(pool, client, ingestion.url(""), KEY).deliver_pending()
    assert [d.change_id for d in delivered] == ["c2"]
    assert await states(pool) == {"c1": ("refused", None), "c2": ("delivered", "task-2")}
    reason = await pool.fetchval("SELECT last_error FROM watcher_changes WHERE change_id = 'c1'")
    assert reason.startswith("422")


async def test_a_refused_api_key_keeps_every_change_pending(
    pool: asyncpg.Pool, ingestion: Receiver
) -> None:
    await add_change(pool, "c1", "LM358DR")
    ingestion.default(ENDPOINT, Answer(401, b'{"title": "unauthorized"}'))
    async with httpx.AsyncClient() as client:
        with pytest.raises(KeyRefused):
            await Courier(pool, client, ingestion.url(""), "wrong").deliver_pending()
    assert await states(pool) == {"c1": ("pending", None)}
    assert "API key" in await pool.fetchval("SELECT last_error FROM watcher_changes")
