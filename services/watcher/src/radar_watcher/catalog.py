"""The catalog's parts, read a page at a time in part-number order (keyset paging).

A cycle keeps only the last part number it recorded, so the catalog is never loaded whole and a
restarted cycle continues after that part. The catalog source reads only the parts whose
imported ``lifecycle_status`` differs from what it saw last (or that it never saw).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

CATALOG_SOURCE = "catalog"


@dataclass(frozen=True)
class CatalogPart:
    """One row of ``parts``: what the watcher asks the sources about."""

    mpn: str
    manufacturer: str
    lifecycle_status: str


async def catalog_page(
    conn: asyncpg.Connection, after: str, limit: int, *, changed_only: bool = False
) -> list[CatalogPart]:
    """Up to ``limit`` parts whose number sorts after ``after``.

    With ``changed_only``, only parts whose imported status the catalog source has not seen.
    """
    if changed_only:
        rows = await conn.fetch(
            "SELECT p.mpn, p.manufacturer, p.lifecycle_status FROM parts p"
            " LEFT JOIN watcher_observations o ON o.source = $3 AND o.mpn = p.mpn"
            " WHERE p.mpn > $1 AND (o.mpn IS NULL OR o.status_raw IS DISTINCT FROM"
            " p.lifecycle_status) ORDER BY p.mpn LIMIT $2",
            after,
            limit,
            CATALOG_SOURCE,
        )
    else:
        rows = await conn.fetch(
            "SELECT mpn, manufacturer, lifecycle_status FROM parts WHERE mpn > $1"
            " ORDER BY mpn LIMIT $2",
            after,
            limit,
        )
    return [CatalogPart(r["mpn"], r["manufacturer"], r["lifecycle_status"]) for r in rows]


async def catalog_size(conn: asyncpg.Connection, *, changed_only: bool = False) -> int:
    """How many parts a cycle will read (its total, for pacing and progress)."""
    if changed_only:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM parts p LEFT JOIN watcher_observations o"
                " ON o.source = $1 AND o.mpn = p.mpn"
                " WHERE o.mpn IS NULL OR o.status_raw IS DISTINCT FROM p.lifecycle_status",
                CATALOG_SOURCE,
            )
        )
    return int(await conn.fetchval("SELECT count(*) FROM parts"))
