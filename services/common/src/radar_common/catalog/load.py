"""Loading a catalog into PostgreSQL: all files in one transaction, each replacing its table.

An import is a snapshot: each file given replaces what its table held, so importing the same
files twice leaves the same catalog (idempotent), and a file that fails to parse or load leaves
everything as it was (transactional).

How, for catalogs of a million BOM lines in bounded memory: each file is read as a stream of
rows (:mod:`radar_common.catalog.files`) and copied with ``COPY`` into a staging table of the
transaction (a temporary table, no index); then each table is merged from its stage — rows gone
deleted, rows new or different upserted, the BOM rewritten only when it differs — so that an
unchanged catalog rewrites nothing and readers (where-used) keep reading the old rows until the
commit. A bad row anywhere aborts the ``COPY`` and the transaction: nothing changes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from radar_common.catalog.files import (
    CATALOG_FILES,
    CatalogError,
    check_names,
    iter_alternates,
    iter_bom,
    iter_parts,
    iter_products,
)
from radar_common.db import migrate


@dataclass
class ImportReport:
    """What an import loaded (counts per table; None: the file was not given).

    ``changed``: per table given, the rows added, changed or removed by this import (0 when
    the file says what the table already held).
    """

    products: int | None = None
    bom_lines: int | None = None
    parts: int | None = None
    alternates: int | None = None
    # BOM parts without a row in parts.csv: no stock and no price are known for them.
    parts_without_stock: list[str] = field(default_factory=list)
    changed: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        counts = (
            ("products", self.products),
            ("BOM lines", self.bom_lines),
            ("parts", self.parts),
            ("alternates", self.alternates),
        )
        return ", ".join(f"{n} {name}" for name, n in counts if n is not None)

    def as_dict(self) -> dict[str, object]:
        return {
            "products": self.products,
            "bom_lines": self.bom_lines,
            "parts": self.parts,
            "alternates": self.alternates,
            "parts_without_stock": self.parts_without_stock,
            "changed": self.changed,
        }


@dataclass(frozen=True)
class _Table:
    """How one file lands: its table, its columns, its key (None: no key, the BOM)."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...] | None
    rows: Any  # (lines, file name) -> iterator of row tuples

    def column_list(self, prefix: str = "") -> str:
        return ", ".join(prefix + c for c in self.columns)


def _product_rows(lines: Iterable[str] | str, file: str) -> Iterator[tuple[object, ...]]:
    for p in iter_products(lines, file):
        yield (p.sku, p.name, p.unit_price, p.monthly_demand, p.end_of_support)


def _bom_rows(lines: Iterable[str] | str, file: str) -> Iterator[tuple[object, ...]]:
    for b in iter_bom(lines, file):
        yield (b.parent_sku, b.child_sku, b.mpn, b.base_mpn, b.manufacturer, b.quantity)


def _part_rows(lines: Iterable[str] | str, file: str) -> Iterator[tuple[object, ...]]:
    for p in iter_parts(lines, file):
        yield (
            p.mpn,
            p.base_mpn,
            p.manufacturer,
            p.unit_price,
            p.on_hand,
            p.on_order,
            p.lifecycle_status,
            p.moq,
            p.order_multiple,
        )


def _alternate_rows(lines: Iterable[str] | str, file: str) -> Iterator[tuple[object, ...]]:
    for a in iter_alternates(lines, file):
        yield (a.mpn, a.alternate_mpn, a.alternate_manufacturer, a.qualified)


# In the order of CATALOG_FILES, the report's fields.
_TABLES = {
    "products.csv": _Table(
        "products",
        ("sku", "name", "unit_price", "monthly_demand", "end_of_support"),
        ("sku",),
        _product_rows,
    ),
    "bom.csv": _Table(
        "bom_lines",
        ("parent_sku", "child_sku", "mpn", "base_mpn", "manufacturer", "quantity"),
        None,
        _bom_rows,
    ),
    "parts.csv": _Table(
        "parts",
        (
            "mpn",
            "base_mpn",
            "manufacturer",
            "unit_price",
            "on_hand",
            "on_order",
            "lifecycle_status",
            "moq",
            "order_multiple",
        ),
        ("mpn",),
        _part_rows,
    ),
    "alternates.csv": _Table(
        "alternates",
        ("mpn", "alternate_mpn", "alternate_manufacturer", "qualified"),
        ("mpn", "alternate_mpn"),
        _alternate_rows,
    ),
}


def read_directory(directory: Path) -> dict[str, str]:
    """The catalog files present in ``directory``, by name (whole texts; see import_catalog)."""
    return {name: path.read_text(encoding="utf-8") for name, path in _files_in(directory).items()}


def _files_in(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        raise CatalogError(str(directory), 0, "", "not a directory")
    found = {name: directory / name for name in CATALOG_FILES if (directory / name).is_file()}
    if not found:
        raise CatalogError(
            str(directory), 0, "", f"no catalog file; expected any of {CATALOG_FILES}"
        )
    return found


async def import_catalog(pool: asyncpg.Pool, directory: Path) -> ImportReport:
    """Import ``products.csv``, ``bom.csv``, ``parts.csv``, ``alternates.csv`` from a directory.

    The files are streamed (read as they are copied), never held whole.

    Raises:
        CatalogError: a file is malformed (the message names file, line and column) or the BOM
            has a cycle; nothing was changed.
    """
    paths = _files_in(directory)
    with ExitStack() as files:
        sources: dict[str, Iterable[str]] = {
            # utf-8-sig: a byte-order mark is not part of the first column's name.
            name: files.enter_context(path.open(encoding="utf-8-sig", newline=""))
            for name, path in paths.items()
        }
        return await _import(pool, sources)


async def import_texts(pool: asyncpg.Pool, texts: dict[str, str]) -> ImportReport:
    """Import catalog files given as ``{file name: CSV text}`` (runs migrations first)."""
    check_names(texts)
    return await _import(pool, {name: io.StringIO(text) for name, text in texts.items()})


async def _import(pool: asyncpg.Pool, sources: dict[str, Iterable[str]]) -> ImportReport:
    check_names(sources)
    await migrate(pool)
    async with pool.acquire() as conn, conn.transaction():
        return await _load(conn, sources)


async def _load(conn: asyncpg.Connection, sources: dict[str, Iterable[str]]) -> ImportReport:
    report = ImportReport()
    for name in CATALOG_FILES:
        if name not in sources:
            continue
        table = _TABLES[name]
        stage = f"stage_{table.name}"
        await conn.execute(
            f"CREATE TEMPORARY TABLE {stage} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        status = await conn.copy_records_to_table(
            stage, records=table.rows(sources[name], name), columns=list(table.columns)
        )
        setattr(report, table.name, int(status.split()[-1]))
        report.changed[table.name] = await _merge(conn, table, stage)
    # Fresh statistics: without them the planner scans the whole BOM for every where-used.
    await conn.execute("ANALYZE products, bom_lines, parts, alternates")
    rows = await conn.fetch(
        "SELECT DISTINCT b.mpn FROM bom_lines b LEFT JOIN parts p ON p.mpn = b.mpn"
        " WHERE b.mpn IS NOT NULL AND p.mpn IS NULL ORDER BY 1"
    )
    report.parts_without_stock = [r["mpn"] for r in rows]
    return report


async def _merge(conn: asyncpg.Connection, table: _Table, stage: str) -> int:
    """Make ``table`` hold what ``stage`` holds, writing only what differs; rows changed."""
    columns = table.column_list()
    if table.key is None:  # the BOM: no key, lines may repeat; rewritten whole when it differs
        differ = await conn.fetchval(
            f"""SELECT (SELECT count(*) FROM (SELECT {columns} FROM {table.name}
                        EXCEPT ALL SELECT {columns} FROM {stage}) gone)
                     + (SELECT count(*) FROM (SELECT {columns} FROM {stage}
                        EXCEPT ALL SELECT {columns} FROM {table.name}) new)"""  # noqa: S608
        )
        if differ:
            await conn.execute(f"DELETE FROM {table.name}")  # noqa: S608
            await conn.execute(
                f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {stage}"  # noqa: S608
            )
        return int(differ)
    key = ", ".join(table.key)
    match = " AND ".join(f"s.{k} = t.{k}" for k in table.key)
    removed = await conn.execute(
        f"DELETE FROM {table.name} t WHERE NOT EXISTS"  # noqa: S608
        f" (SELECT 1 FROM {stage} s WHERE {match})"
    )
    others = [c for c in table.columns if c not in table.key]
    assignments = ", ".join(others)
    incoming = ", ".join(f"EXCLUDED.{c}" for c in others)
    upserted = await conn.execute(
        f"INSERT INTO {table.name} AS t ({columns}) SELECT {columns} FROM {stage}"  # noqa: S608
        f" ON CONFLICT ({key}) DO UPDATE SET ({assignments}) = ROW({incoming})"
        f" WHERE ({table.column_list('t.')}) IS DISTINCT FROM ({table.column_list('EXCLUDED.')})"
    )
    return int(removed.split()[-1]) + int(upserted.split()[-1])
