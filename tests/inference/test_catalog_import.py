"""Importing a catalog into PostgreSQL: idempotent, transactional, where-used over nested BOMs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from radar_cli.commands.catalog import demo_catalog_dir
from radar_common.catalog import CatalogError, import_catalog, import_texts
from radar_inference.where_used import alternates_of, match_part, stock_of, where_used
from tests.inference.catalogs import HAND, pool_for

pytestmark = pytest.mark.integration


async def counts(pool: asyncpg.Pool) -> tuple[int, ...]:
    return tuple(
        [
            await pool.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("products", "bom_lines", "parts", "alternates")
        ]
    )


async def test_demo_catalog_where_used_sums_every_path(database_url: str) -> None:
    async with pool_for(database_url) as pool:
        report = await import_catalog(pool, demo_catalog_dir())
        assert report.parts
        assert report.parts >= 20
        assert report.parts_without_stock == []
        async with pool.acquire() as conn:
            uses = {u.sku: u for u in await where_used(conn, "LM358DR")}
        # LAB-1 has no demand; PLC-40 reaches the part through MB-100 (1x2) and IO-8 (2x4).
        assert {sku: u.eff_qty for sku, u in uses.items()} == {
            "GW-200": 2,
            "PLC-40": 10,
            "SNS-10": 1,
            "MB-100": 2,
        }
        assert sorted(p.nodes for p in uses["PLC-40"].paths) == [
            ("PLC-40", "IO-8", "LM358DR"),
            ("PLC-40", "MB-100", "LM358DR"),
        ]
        assert [p.quantity for p in sorted(uses["PLC-40"].paths, key=lambda p: p.nodes)] == [8, 2]


async def test_import_is_idempotent_and_replaces_each_given_table(database_url: str) -> None:
    async with pool_for(database_url) as pool:
        first = await import_texts(pool, HAND)
        assert (first.products, first.bom_lines, first.parts, first.alternates) == (2, 5, 3, 1)
        await import_texts(pool, HAND)
        assert await counts(pool) == (2, 5, 3, 1)
        only_parts = await import_texts(pool, {"parts.csv": HAND["parts.csv"].split("NE555P")[0]})
        assert (only_parts.products, only_parts.parts) == (None, 1)
        assert only_parts.parts_without_stock == ["NE555P"]
        assert await counts(pool) == (2, 5, 1, 1)


async def test_a_bad_file_changes_nothing(database_url: str, tmp_path: Path) -> None:
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        bad = dict(HAND)
        bad["products.csv"] = "sku,name,unit_price,monthly_demand\nNEW,New,1,1\n"
        bad["alternates.csv"] = HAND["alternates.csv"] + "X1,X2,,maybe\n"
        with pytest.raises(CatalogError, match=r"alternates.csv, line 3, column qualified \(4\)"):
            await import_texts(pool, bad)
        assert await counts(pool) == (2, 5, 3, 1)
        cyclic = {"bom.csv": HAND["bom.csv"] + "M1,P1,,,1\n"}
        with pytest.raises(CatalogError, match="cycle in the BOM: M1 -> P1 -> M1"):
            await import_texts(pool, cyclic)
        assert await counts(pool) == (2, 5, 3, 1)
        (tmp_path / "parts.csv").write_text(
            "mpn,manufacturer,unit_price,on_hand,on_order\nA,B,1,x,0\n"
        )
        with pytest.raises(CatalogError, match=r"parts.csv, line 2, column on_hand \(4\)"):
            await import_catalog(pool, tmp_path)
        assert await pool.fetchval("SELECT count(*) FROM parts WHERE mpn = 'LM358DR'") == 1


async def test_match_exact_then_base_then_none(database_url: str) -> None:
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        async with pool.acquire() as conn:
            assert (await match_part(conn, "lm358dr")).kind == "exact"
            base = await match_part(conn, "LM358DRG4", manufacturer="Texas Instruments")
            assert (base.kind, base.mpn) == ("base", "LM358DR")
            by_notice_base = await match_part(conn, "LM358-Q1X", "LM358D")
            assert (by_notice_base.kind, by_notice_base.mpn) == ("base", "LM358DR")
            assert (await match_part(conn, "LM358DRG4")).kind == "none"  # G4 is TI's
            assert (await match_part(conn, "TL072CP")).kind == "none"
            stock = await stock_of(conn, "LM358DR")
            assert (stock.available, stock.unit_price) == (1000, Decimal("0.5000"))
            assert [a.mpn for a in await alternates_of(conn, "LM358DR")] == ["LM2904DR"]
            assert await where_used(conn, "LONELY1") == []
