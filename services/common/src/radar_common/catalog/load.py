"""Loading a catalog into PostgreSQL: all files in one transaction, each replacing its table.

An import is a snapshot: each file given replaces what its table held, so importing the same
files twice leaves the same catalog (idempotent), and a file that fails to parse or load leaves
everything as it was (transactional).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from radar_common.catalog.files import CATALOG_FILES, CatalogError, CatalogFiles, parse_catalog
from radar_common.db import migrate


@dataclass
class ImportReport:
    """What an import loaded (counts per table; None: the file was not given)."""

    products: int | None = None
    bom_lines: int | None = None
    parts: int | None = None
    alternates: int | None = None
    # BOM parts without a row in parts.csv: no stock and no price are known for them.
    parts_without_stock: list[str] = field(default_factory=list)

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
        }


def read_directory(directory: Path) -> dict[str, str]:
    """The catalog files present in ``directory``, by name."""
    if not directory.is_dir():
        raise CatalogError(str(directory), 0, "", "not a directory")
    texts = {
        name: (directory / name).read_text(encoding="utf-8")
        for name in CATALOG_FILES
        if (directory / name).is_file()
    }
    if not texts:
        raise CatalogError(
            str(directory), 0, "", f"no catalog file; expected any of {CATALOG_FILES}"
        )
    return texts


async def import_catalog(pool: asyncpg.Pool, directory: Path) -> ImportReport:
    """Import ``products.csv``, ``bom.csv``, ``parts.csv``, ``alternates.csv`` from a directory.

    Raises:
        CatalogError: a file is malformed (the message names file, line and column) or the BOM
            has a cycle; nothing was changed.
    """
    return await import_texts(pool, read_directory(directory))


async def import_texts(pool: asyncpg.Pool, texts: dict[str, str]) -> ImportReport:
    """Import catalog files given as ``{file name: CSV text}`` (runs migrations first)."""
    files = parse_catalog(texts)
    await migrate(pool)
    async with pool.acquire() as conn, conn.transaction():
        return await _load(conn, files)


async def _load(conn: asyncpg.Connection, files: CatalogFiles) -> ImportReport:
    report = ImportReport()
    if files.products is not None:
        await conn.execute("DELETE FROM products")
        await conn.copy_records_to_table(
            "products",
            records=[
                (p.sku, p.name, p.unit_price, p.monthly_demand, p.end_of_support)
                for p in files.products
            ],
            columns=["sku", "name", "unit_price", "monthly_demand", "end_of_support"],
        )
        report.products = len(files.products)
    if files.bom is not None:
        await conn.execute("DELETE FROM bom_lines")
        await conn.copy_records_to_table(
            "bom_lines",
            records=[
                (b.parent_sku, b.child_sku, b.mpn, b.base_mpn, b.manufacturer, b.quantity)
                for b in files.bom
            ],
            columns=["parent_sku", "child_sku", "mpn", "base_mpn", "manufacturer", "quantity"],
        )
        report.bom_lines = len(files.bom)
    if files.parts is not None:
        await conn.execute("DELETE FROM parts")
        await conn.copy_records_to_table(
            "parts",
            records=[
                (
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
                for p in files.parts
            ],
            columns=[
                "mpn",
                "base_mpn",
                "manufacturer",
                "unit_price",
                "on_hand",
                "on_order",
                "lifecycle_status",
                "moq",
                "order_multiple",
            ],
        )
        report.parts = len(files.parts)
    if files.alternates is not None:
        await conn.execute("DELETE FROM alternates")
        await conn.copy_records_to_table(
            "alternates",
            records=[
                (a.mpn, a.alternate_mpn, a.alternate_manufacturer, a.qualified)
                for a in files.alternates
            ],
            columns=["mpn", "alternate_mpn", "alternate_manufacturer", "qualified"],
        )
        report.alternates = len(files.alternates)
    # Fresh statistics: without them the planner scans the whole BOM for every where-used.
    await conn.execute("ANALYZE products, bom_lines, parts, alternates")
    rows = await conn.fetch(
        "SELECT DISTINCT b.mpn FROM bom_lines b LEFT JOIN parts p ON p.mpn = b.mpn"
        " WHERE b.mpn IS NOT NULL AND p.mpn IS NULL ORDER BY 1"
    )
    report.parts_without_stock = [r["mpn"] for r in rows]
    return report
