"""Import a catalog folder given a database URL: what ``radar dev`` and ``radar import`` call."""

from __future__ import annotations

import asyncio
from pathlib import Path

from radar_common.catalog import ImportReport, import_catalog
from radar_common.db import connect_pool
from radar_common.notices.reassessment import catalog_changed


async def import_directory(database_url: str, directory: Path) -> ImportReport:
    """Connect, run migrations, import the catalog files of ``directory``, disconnect.

    The import is noted, so the scheduler re-assesses the open notices whose inputs changed.

    Raises:
        CatalogError: a file is malformed or the BOM has a cycle; nothing was changed.
        ConnectionError: the database cannot be reached.
    """
    pool = await connect_pool(database_url, attempts=3)
    try:
        report = await import_catalog(pool, directory)
        await catalog_changed(pool, "cli")
        return report
    finally:
        await pool.close()


def import_directory_sync(database_url: str, directory: Path) -> ImportReport:
    """Blocking form of :func:`import_directory` (for callers outside an event loop)."""
    return asyncio.run(import_directory(database_url, directory))
