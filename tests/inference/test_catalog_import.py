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


async def test_the_report_says_what_changed_and_an_unchanged_catalog_writes_nothing(
    database_url: str,
) -> None:
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        ids = "SELECT array_agg(line_id ORDER BY line_id) FROM bom_lines"
        lines_before = await pool.fetchval(ids)
        again = await import_texts(pool, HAND)
        assert again.changed == {"products": 0, "bom_lines": 0, "parts": 0, "alternates": 0}
        assert await pool.fetchval(ids) == lines_before  # the BOM was not rewritten
        # One price changed, one part gone, one new: three rows of parts; the rest untouched.
        parts = (
            HAND["parts.csv"]
            .replace("NE555P,Texas Instruments,0.30", "NE555P,Texas Instruments,0.35")
            .replace("LONELY1,", "LONELY2,")
        )
        changed = await import_texts(pool, {"parts.csv": parts})
        assert changed.changed == {"parts": 3}
        assert await pool.fetchval("SELECT unit_price FROM parts WHERE mpn = 'NE555P'") == Decimal(
            "0.35"
        )
        assert await pool.fetchval("SELECT count(*) FROM parts WHERE mpn = 'LONELY1'") == 0
        # A BOM with one more line is rewritten: the lines that differ are counted.
        bom = HAND["bom.csv"] + "P1,,LM358DR,Texas Instruments,1\n"
        assert (await import_texts(pool, {"bom.csv": bom})).changed == {"bom_lines": 1}


async def test_a_line_given_twice_counts_twice_and_shared_assemblies_give_every_path(
    database_url: str,
) -> None:
    catalog = {
        "products.csv": "sku,name,unit_price,monthly_demand\nP1,One,10,5\nP2,Two,10,5\n",
        # S2 is shared by S1 (twice over: two identical lines) and P2; S1 by P1 and P2.
        "bom.csv": "parent_sku,child_sku,mpn,manufacturer,quantity\n"
        "P1,S1,,,1\nP2,S1,,,2\nP2,S2,,,1\nS1,S2,,,3\nS1,S2,,,3\nS2,,NE555P,,2\n",
    }
    async with pool_for(database_url) as pool:
        await import_texts(pool, catalog)
        async with pool.acquire() as conn:
            uses = {u.sku: u for u in await where_used(conn, "NE555P")}
    assert sorted((p.nodes, p.quantity) for p in uses["P1"].paths) == [
        (("P1", "S1", "S2", "NE555P"), Decimal(6)),
        (("P1", "S1", "S2", "NE555P"), Decimal(6)),
    ]
    assert uses["P1"].eff_qty == 12
    assert [(p.nodes, p.quantity) for p in uses["P2"].paths] == [
        (("P2", "S1", "S2", "NE555P"), Decimal(12)),
        (("P2", "S1", "S2", "NE555P"), Decimal(12)),
        (("P2", "S2", "NE555P"), Decimal(2)),
    ]
    assert uses["P2"].eff_qty == 26


async def test_a_directory_is_streamed_with_a_byte_order_mark(
    database_url: str, tmp_path: Path
) -> None:
    for name, text in HAND.items():
        (tmp_path / name).write_text("\ufeff" + text, encoding="utf-8")
    async with pool_for(database_url) as pool:
        report = await import_catalog(pool, tmp_path)
    assert (report.products, report.bom_lines, report.parts, report.alternates) == (2, 5, 3, 1)
