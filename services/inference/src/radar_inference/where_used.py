"""Reading the catalog: which part a notice names, where it is used, its stock and alternates."""

from __future__ import annotations

from dataclasses import dataclass, field
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

# The BOM lines above the part, each once: the recursion walks the distinct lines from the
# part up (UNION: a shared sub-assembly's lines are read once, however many paths pass through
# it, and a cycle cannot loop; a line given twice counts twice, by its line_id), each with the
# product of its parent when that has demand. The paths are then enumerated in memory
# (:func:`_paths`), not by the database row by row.
WHERE_USED_SQL = """
WITH RECURSIVE edge (line_id, parent, child, qty) AS (
    SELECT line_id, parent_sku, mpn, quantity FROM bom_lines WHERE mpn = $1
    UNION
    SELECT b.line_id, b.parent_sku, b.child_sku, b.quantity
    FROM edge JOIN bom_lines b ON b.child_sku = edge.parent
)
SELECT edge.parent, edge.child, edge.qty,
       p.sku IS NOT NULL AS product, p.name, p.unit_price, p.monthly_demand, p.end_of_support
FROM edge LEFT JOIN LATERAL (  -- one index probe per line, never a scan of every product
    SELECT * FROM products WHERE sku = edge.parent AND monthly_demand > 0
    OFFSET 0  -- keeps the planner from flattening this into a hash join over all products
) p ON true
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
    """Every product with demand that contains ``mpn`` at any depth, with its BOM paths.

    A product's paths are ordered by their nodes, products by SKU; ``eff_qty`` is the sum of
    the quantities of its paths (each the product of the quantities along it).
    """
    rows = await conn.fetch(WHERE_USED_SQL, mpn)
    parents: dict[str, list[tuple[str, Decimal]]] = {}
    products: dict[str, asyncpg.Record] = {}
    for row in rows:
        parents.setdefault(row["child"], []).append((row["parent"], row["qty"]))
        if row["product"]:
            products[row["parent"]] = row
    found: dict[str, list[BomPath]] = {}
    for path in _paths(mpn, parents):
        if path.nodes[0] in products:
            found.setdefault(path.nodes[0], []).append(path)
    uses = []
    for sku in sorted(found):
        row, paths = products[sku], sorted(found[sku], key=lambda p: p.nodes)
        uses.append(
            ProductUse(
                sku=sku,
                name=row["name"],
                unit_price=row["unit_price"],
                monthly_demand=row["monthly_demand"],
                end_of_support=row["end_of_support"],
                eff_qty=sum((p.quantity for p in paths), Decimal(0)),
                paths=tuple(paths),
            )
        )
    return uses


def _paths(mpn: str, parents: dict[str, list[tuple[str, Decimal]]]) -> list[BomPath]:
    """Every path from an assembly down to ``mpn`` (the cycle guard: a node once per path)."""
    out: list[BomPath] = []
    stack: list[tuple[tuple[str, ...], Decimal]] = [((mpn,), Decimal(1))]
    while stack:
        nodes, qty = stack.pop()
        for parent, line_qty in parents.get(nodes[0], ()):
            if parent in nodes:
                continue
            path = ((parent, *nodes), line_qty * qty)
            out.append(BomPath(*path))
            stack.append(path)
    return out


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
