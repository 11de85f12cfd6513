"""Catalog matching against the real ``parts`` table in PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest

from radar_common.contracts import RawEvent
from radar_common.db import connect_pool, migrate
from radar_normalizer.catalog import CatalogParts, CatalogSnapshot, catalog_match
from radar_normalizer.extract import extract_notices

pytestmark = pytest.mark.integration

INSERT = """
INSERT INTO parts (mpn, base_mpn, manufacturer, unit_price, on_hand, on_order)
VALUES ($1, $2, 'Texas Instruments', 0.1, 0, 0)
"""


def test_an_empty_catalog_confirms_nothing_and_penalises_nothing() -> None:
    assert catalog_match(CatalogParts([]), "LM358DR", "LM358D") == ""
    assert (
        catalog_match(CatalogParts(["LM358DRG4"], "Texas Instruments"), "LM358DR", "LM358D")
        == "base"
    )
    assert catalog_match(CatalogParts(["LM358DR"]), "lm358dr", "") == "exact"


async def test_the_snapshot_reads_and_refreshes_the_parts_table(database_url: str) -> None:
    pool = await connect_pool(database_url)
    try:
        await migrate(pool)
        await pool.execute(INSERT, "LM358DR", "LM358D")
        catalog = CatalogSnapshot(pool)
        assert await catalog.refresh() == 1
        assert "LM358DR" in catalog
        assert "LM358D" in catalog  # by base number
        assert "TL072CP" not in catalog

        event = RawEvent(
            event_id="e",
            format="canonical",
            source="x",
            payload_json=json.dumps(
                {
                    "AffectedProductName": "LM358DR, TL072CP",
                    "TypeOfChange": "EOL",
                    "Manufacturer": "TI",
                }
            ),
        )
        found = {n.mpn: n for n in extract_notices(event, catalog)}
        assert found["LM358DR"].confidence > found["TL072CP"].confidence
        assert any(e.location == "catalog:exact" for e in found["LM358DR"].evidence)

        stop = asyncio.Event()
        keeper = asyncio.create_task(catalog.keep_fresh(0.05, stop))
        await pool.execute(INSERT, "TL072CP", "TL072C")
        for _ in range(100):
            if "TL072CP" in catalog:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await keeper
        assert "TL072CP" in catalog
    finally:
        await pool.close()
