"""Fixtures of the watcher tests: a migrated database of its own, catalogs, a leading lease."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import asyncpg
import pytest

from radar_common.catalog import import_texts
from radar_common.db import connect_pool, migrate
from radar_watcher.lease import Lease

Row = tuple[str, str, str]  # mpn, manufacturer, lifecycle_status


def parts_csv(rows: Iterable[Row]) -> str:
    lines = ["mpn,manufacturer,unit_price,on_hand,on_order,lifecycle_status"]
    lines += [f'"{mpn}","{maker}",1.00,10,0,{status}' for mpn, maker, status in rows]
    return "\n".join(lines) + "\n"


async def import_parts(pool: asyncpg.Pool, rows: Iterable[Row]) -> None:
    """Replace the catalog's parts (an import, exactly as `radar import` does it)."""
    await import_texts(pool, {"parts.csv": parts_csv(rows)})


def numbered(count: int, status: str = "active", maker: str = "Example Semiconductor") -> list[Row]:
    return [(f"WT{i:06d}", maker, status) for i in range(count)]


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await connect_pool(database_url, max_size=6)
    await migrate(pool)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def lease(pool: asyncpg.Pool) -> Lease:
    lease = Lease(pool, 30.0, holder="test-leader")
    assert await lease.acquire()
    return lease
