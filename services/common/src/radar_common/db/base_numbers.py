"""Stored base numbers kept in step with the part-number rules.

The catalog stores each part's ``base_mpn`` as computed at import, and each notice record the
catalog keys its part can match (``match_keys``). When the rules in
:mod:`radar_common.partnumbers` change, the stored values of an existing database are stale.
SQL cannot recompute them without a second copy of the rules, so :func:`refresh_base_numbers`
recomputes them in Python, once per rules version (``RULES_VERSION``, a digest of the rules),
recorded in ``schema_migrations`` as ``base_mpn rules <version>``. :func:`radar_common.db.migrate`
calls it after the SQL migrations, under the same advisory lock, so it runs once at the first
start of any service after an upgrade.
"""

from __future__ import annotations

import logging

import asyncpg

from radar_common.notices.records import part_match_keys
from radar_common.partnumbers import RULES_VERSION, base_mpn

log = logging.getLogger(__name__)
# (table, key column, its type): the rows whose base number comes from (mpn, manufacturer).
_TABLES = (("parts", "mpn", "text"), ("bom_lines", "line_id", "bigint"))


def rules_marker() -> str:
    """The ``schema_migrations`` version that says stored bases follow the current rules."""
    return f"base_mpn rules {RULES_VERSION}"


async def refresh_base_numbers(conn: asyncpg.Connection) -> int:
    """Recompute stale ``base_mpn`` values once per rules version; returns the rows changed.

    Runs in one transaction; does nothing when this rules version was already applied or the
    catalog tables do not exist.
    """
    marker = rules_marker()
    if await conn.fetchval("SELECT 1 FROM schema_migrations WHERE version = $1", marker):
        return 0
    changed = 0
    async with conn.transaction():
        for table, key, key_type in _TABLES:
            if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
                continue
            rows = await conn.fetch(
                f"SELECT {key} AS key, mpn, manufacturer, base_mpn FROM {table}"  # noqa: S608
                " WHERE mpn IS NOT NULL"
            )
            stale = [
                (r["key"], fresh)
                for r in rows
                if (fresh := base_mpn(r["mpn"], r["manufacturer"])) != r["base_mpn"]
            ]
            if stale:
                await conn.execute(
                    f"UPDATE {table} t SET base_mpn = s.base"  # noqa: S608 - constant names
                    f" FROM unnest($1::{key_type}[], $2::text[])"
                    f" AS s(key, base) WHERE t.{key} = s.key",
                    [k for k, _ in stale],
                    [b for _, b in stale],
                )
                log.info("recomputed %d stale base numbers in %s", len(stale), table)
            changed += len(stale)
        changed += await _refresh_notice_keys(conn)
        await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", marker)
    return changed


async def _refresh_notice_keys(conn: asyncpg.Connection) -> int:
    """Notice records keep the catalog keys their part can match (``notices.match_keys``, what
    re-assessment fingerprints join on): recompute the stale ones."""
    if not await conn.fetchval("SELECT to_regclass('notices') IS NOT NULL"):
        return 0
    rows = await conn.fetch(
        "SELECT record_id, facts->>'mpn' AS mpn, facts->>'manufacturer' AS manufacturer,"
        " facts->>'base_mpn' AS base, match_keys FROM notices"
    )
    stale = [
        (r["record_id"], fresh)
        for r in rows
        if (fresh := part_match_keys(r["mpn"] or "", r["manufacturer"] or "", r["base"] or ""))
        != list(r["match_keys"])
    ]
    if stale:
        await conn.executemany("UPDATE notices SET match_keys = $2 WHERE record_id = $1", stale)
        log.info("recomputed the match keys of %d notice records", len(stale))
    return len(stale)
