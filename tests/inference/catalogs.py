"""Catalogs the inference tests import (CSV text by file name)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from radar_common.db import connect_pool

# P1 holds part LM358DR on two paths: P1 > M1 (x1) > LM358DR (x2), and P1 > LM358DR (x1): eff 3.
# DEAD has no demand; M1 is a sub-assembly only. Dates in the tests make the months whole.
HAND = {
    "products.csv": "sku,name,unit_price,monthly_demand,end_of_support\n"
    "P1,Product one,100.00,10,2029-01-01\n"
    "DEAD,Retired product,50.00,0,\n",
    "bom.csv": "parent_sku,child_sku,mpn,manufacturer,quantity\n"
    "P1,M1,,,1\n"
    "M1,,LM358DR,Texas Instruments,2\n"
    "P1,,LM358DR,Texas Instruments,1\n"
    "DEAD,M1,,,4\n"
    "P1,,NE555P,Texas Instruments,1\n",
    "parts.csv": "mpn,manufacturer,unit_price,on_hand,on_order,lifecycle_status\n"
    "LM358DR,Texas Instruments,0.50,800,200,active\n"
    "NE555P,Texas Instruments,0.30,1000000,0,active\n"
    "LONELY1,Texas Instruments,0.30,10,0,active\n",
    "alternates.csv": "mpn,alternate_mpn,alternate_manufacturer,qualified\n"
    "LM358DR,LM2904DR,Texas Instruments,false\n",
}


@asynccontextmanager
async def pool_for(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await connect_pool(database_url, attempts=3)
    try:
        yield pool
    finally:
        await pool.close()
