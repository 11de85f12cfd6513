"""The asyncpg pool, created with retries so that a service can start before its database."""

from __future__ import annotations

import asyncio
import json
import logging

import asyncpg

log = logging.getLogger(__name__)
STATEMENT_CACHE_SIZE = 512


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode ``json`` and ``jsonb`` columns to Python values and back (on every connection)."""
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing to undo.

    asyncpg's default runs ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on
    every release: one more round trip per query batch. Our code leaves no session state on a
    pooled connection (no ``SET``, ``LISTEN`` or session advisory lock outlives its use: the
    migrations unlock theirs, the scheduler's leader lock has a connection of its own), and an
    open transaction is still rolled back by asyncpg before this hook runs.
    """
    return None


async def connect_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    attempts: int = 30,
    delay: float = 1.0,
) -> asyncpg.Pool:
    """Open a pool, retrying while the database is not reachable yet.

    Args:
        dsn: PostgreSQL URL (``RADAR_DATABASE_URL``).
        min_size: connections opened at once.
        max_size: connections at most.
        attempts: tries before giving up (a database starting alongside the service).
        delay: seconds between tries.

    Returns:
        The pool; close it with ``await pool.close()``.

    Raises:
        ConnectionError: the database was not reachable in ``attempts`` tries.
    """
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                init=init_connection,
                reset=keep_session,
                # Prepared statements, reused per connection: every query the services run.
                statement_cache_size=STATEMENT_CACHE_SIZE,
            )
            assert pool is not None
            return pool
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            last = exc
            log.warning("database not reachable (attempt %d/%d): %r", attempt, attempts, exc)
            await asyncio.sleep(delay)
    raise ConnectionError(f"cannot connect to the database: {last!r}")
