"""A part's supply as the engine needs it: stock and open orders, price, ordering terms."""

from __future__ import annotations

import asyncpg

from radar_inference.exposure import OrderingTerms
from radar_inference.where_used import Stock


async def part_supply(conn: asyncpg.Connection, mpn: str) -> tuple[Stock, OrderingTerms]:
    """The matched part's stock and ordering terms (none known: empty stock, no terms)."""
    row = await conn.fetchrow(
        "SELECT on_hand, on_order, unit_price, moq, order_multiple FROM parts WHERE mpn = $1",
        mpn,
    )
    if row is None:
        return Stock(), OrderingTerms()
    return (
        Stock(row["on_hand"], row["on_order"], row["unit_price"], known=True),
        OrderingTerms(row["moq"] or 0, row["order_multiple"] or 0),
    )
