"""Versioned SQL migrations, applied in file-name order under an advisory lock.

Files live in ``radar_common/db/migrations`` and are named ``NNNN_description.sql``; each runs
once, in a transaction, and is recorded in ``schema_migrations``. Every service that uses the
database calls :func:`migrate` at start, so replicas racing at start are safe. After the files,
stored base part numbers are brought in step with the current part-number rules
(:mod:`radar_common.db.base_numbers`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

from radar_common.db.base_numbers import refresh_base_numbers

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x7261646172  # "radar"


async def migrate(pool: asyncpg.Pool, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the pending migrations, each in its own transaction, one process at a time.

    Args:
        pool: a pool on the database to migrate.
        directory: where the ``NNNN_description.sql`` files are (the library's own by default).

    Returns:
        The versions (file names without ``.sql``) applied by this call; empty when none was
        pending.

    Raises:
        asyncpg.PostgresError: a migration failed; it was rolled back and later ones not run.
    """
    files = sorted(directory.glob("*.sql"))  # noqa: ASYNC240 - a few local files at start
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for path in files:
                version = path.stem
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES ($1)", version
                    )
                log.info("applied migration %s", version)
                applied_now.append(version)
            await refresh_base_numbers(conn)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now
