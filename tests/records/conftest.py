"""Fixtures for the notice-record tests: a migrated database of their own (real PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from radar_common.db import connect_pool, migrate


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await connect_pool(database_url, attempts=3)
    await migrate(p)
    try:
        yield p
    finally:
        await p.close()
