"""Import a catalog folder given only a database URL: what ``radar dev`` and ``radar import`` call.

Services hold a pool already and call :func:`radar_common.catalog.import_catalog`; this module
is for callers that do not (the command line, tests that seed a database).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from radar_common.catalog.load import ImportReport, import_catalog
from radar_common.db import connect_pool
from radar_common.notices.reassessment import catalog_changed


async def import_directory(database_url: str, directory: Path) -> ImportReport:
    """Connect, run the migrations, import the catalog files of ``directory``, disconnect.

    The import is noted, so the scheduler re-assesses the open notices whose inputs changed.

    Args:
        database_url: PostgreSQL URL (``postgresql://user@host:port/db``).
        directory: a folder with any of ``products.csv``, ``bom.csv``, ``parts.csv`` and
            ``alternates.csv``; each file given replaces its table, all in one transaction.

    Returns:
        The rows imported per table.

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
    """Blocking form of :func:`import_directory`, for callers outside an event loop."""
    return asyncio.run(import_directory(database_url, directory))
