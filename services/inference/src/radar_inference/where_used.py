"""Reading the catalog: which part a notice names, where it is used, its stock and alternates."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import asyncpg

from radar_common.partnumbers import base_mpn, normalize_mpn


@dataclass(frozen=True)
class PartMatch:
    """How a notice's part number was found in the catalog: exact, base, or none."""

    kind: str
    mpn: str = ""


@dataclass(frozen=True)
class Stock:
    on_hand: int = 0
    on_order: int = 0
    unit_price: Decimal = Decimal(0)
    known: bool = False

    @property
    def available(self) -> int:
        return self.on_hand + self.on_order


@dataclass(frozen=True)
class BomPath:
    """From the product down to the part, and the product of the quantities along it."""

    nodes: tuple[str, ...]
    quantity: Decimal


@dataclass(frozen=True)
class ProductUse:
    """A product (with demand) that contains the part at some depth."""

    sku: str
    name: str
    unit_price: Decimal
    monthly_demand: Decimal
    end_of_support: date | None
    eff_qty: Decimal
    paths: tuple[BomPath, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AlternatePart:
    mpn: str
    manufacturer: str
    qualified: bool


_CATALOG_MPNS = """
    SELECT mpn, base_mpn FROM parts
    UNION SELECT mpn, base_mpn FROM bom_lines WHERE mpn IS NOT NULL
"""

# Walk up from the part: every row is a path from some assembly down to the part, with the
# product of quantities along it. A product's effective quantity is the sum over its paths.
# The cycle guard is belt and braces: the import refuses cyclic BOMs.
WHERE_USED_SQL = """
WITH RECURSIVE up (sku, nodes, qty) AS (
    SELECT parent_sku, ARRAY[parent_sku, mpn], quantity FROM bom_lines WHERE mpn = $1
    UNION ALL
    SELECT b.parent_sku, b.parent_sku || up.nodes, b.quantity * up.qty
    FROM bom_lines b JOIN up ON b.child_sku = up.sku
    WHERE b.parent_sku <> ALL (up.nodes)
)
SELECT p.sku, p.name, p.unit_price, p.monthly_demand, p.end_of_support,
       up.nodes, up.qty, sum(up.qty) OVER (PARTITION BY p.sku) AS eff_qty
FROM up JOIN products p ON p.sku = up.sku
WHERE p.monthly_demand > 0
ORDER BY p.sku, up.nodes
"""


async def match_part(
    conn: asyncpg.Connection, mpn: str, notice_base: str = "", manufacturer: str = ""
) -> PartMatch:
    """Find the notice's part: by orderable number first, then by base number.

    The base numbers tried are the notice's own and that of ``mpn`` under ``manufacturer``'s
    numbering convention (``radar_common.partnumbers.base_mpn``).
    """
    orderable = normalize_mpn(mpn)
    exact = await conn.fetchval(
        f"SELECT mpn FROM ({_CATALOG_MPNS}) c WHERE mpn = $1 LIMIT 1",  # noqa: S608 - constant
        orderable,
    )
    if exact:
        return PartMatch("exact", exact)
    bases = sorted({b for b in (base_mpn(mpn, manufacturer), base_mpn(notice_base)) if b})
    if not bases:
        return PartMatch("none")
    # Several packaging variants may share a base number: the one in a BOM wins, then the
    # alphabetically first, so that the same catalog always gives the same match.
    found = await conn.fetchval(
        f"""SELECT c.mpn FROM ({_CATALOG_MPNS}) c
            WHERE c.base_mpn = ANY($1::text[]) OR c.mpn = ANY($1::text[])
            ORDER BY EXISTS (SELECT 1 FROM bom_lines b WHERE b.mpn = c.mpn) DESC, c.mpn
            LIMIT 1""",  # noqa: S608 - constant
        bases,
    )
    return PartMatch("base", found) if found else PartMatch("none")


async def where_used(conn: asyncpg.Connection, mpn: str) -> list[ProductUse]:
    """Every product with demand that contains ``mpn`` at any depth, with its BOM paths."""
    uses: dict[str, ProductUse] = {}
    paths: dict[str, list[BomPath]] = {}
    for row in await conn.fetch(WHERE_USED_SQL, mpn):
        sku = row["sku"]
        if sku not in uses:
            uses[sku] = ProductUse(
                sku=sku,
                name=row["name"],
                unit_price=row["unit_price"],
                monthly_demand=row["monthly_demand"],
                end_of_support=row["end_of_support"],
                eff_qty=row["eff_qty"],
            )
        paths.setdefault(sku, []).append(BomPath(tuple(row["nodes"]), row["qty"]))
    return [replace(use, paths=tuple(paths[sku])) for sku, use in uses.items()]


async def stock_of(conn: asyncpg.Connection, mpn: str) -> Stock:
    row = await conn.fetchrow("SELECT on_hand, on_order, unit_price FROM parts WHERE mpn = $1", mpn)
    if row is None:
        return Stock()
    return Stock(row["on_hand"], row["on_order"], row["unit_price"], known=True)


async def alternates_of(conn: asyncpg.Connection, mpn: str) -> list[AlternatePart]:
    """Alternates of ``mpn``, qualified first."""
    rows = await conn.fetch(
        "SELECT alternate_mpn, alternate_manufacturer, qualified FROM alternates"
        " WHERE mpn = $1 ORDER BY qualified DESC, alternate_mpn",
        mpn,
    )
    return [
        AlternatePart(r["alternate_mpn"], r["alternate_manufacturer"], r["qualified"]) for r in rows
    ]
