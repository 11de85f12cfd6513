"""Impact engine throughput: assessments per second on a catalog of 10,000 parts, 500 products.

Starts its own PostgreSQL (the embedded one ``radar dev`` uses), imports a generated catalog
(nested sub-assemblies, several paths to many parts), then assesses notices for parts in use —
match, where-used, exposure, decision, persist — one at a time and with 10 in flight, as the
worker does. Prints a table and writes bench/results/inference.json.

    .venv/bin/python bench/inference_bench.py [--notices 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp
from machine import machine

from radar_cli.infra import PostgresServer
from radar_common.catalog import import_texts
from radar_common.contracts import NormalizedNotice
from radar_common.db import connect_pool
from radar_inference.engine import assess_notice, match_notice
from radar_inference.repository import save_assessment
from radar_inference.settings import InferenceSettings

PARTS, PRODUCTS, ASSEMBLIES = 10_000, 500, 200
RESULTS = Path(__file__).parent / "results" / "inference.json"


def catalog(seed: int = 7) -> tuple[dict[str, str], list[str]]:
    """CSV texts of a generated catalog, and the MPNs that some product uses."""
    rng = random.Random(seed)
    mpns = [f"BN{i:05d}{rng.choice('DPN')}R" for i in range(PARTS)]
    parts = ["mpn,manufacturer,unit_price,on_hand,on_order,lifecycle_status"]
    parts += [
        f"{m},Bench Semi,{rng.uniform(0.02, 30):.4f},{rng.randint(0, 50_000)},"
        f"{rng.choice([0, 0, 1000, 5000])},active"
        for m in mpns
    ]
    bom = ["parent_sku,child_sku,mpn,manufacturer,quantity"]
    used: set[str] = set()
    for a in range(ASSEMBLIES):
        # Assemblies only contain later assemblies: nested, shared, never cyclic.
        if a + 1 < ASSEMBLIES and rng.random() < 0.5:
            bom.append(
                f"SA{a:03d},SA{rng.randint(a + 1, ASSEMBLIES - 1):03d},,,{rng.randint(1, 3)}"
            )
        for m in rng.sample(mpns, 40):
            bom.append(f"SA{a:03d},,{m},Bench Semi,{rng.randint(1, 8)}")
            used.add(m)
    products = ["sku,name,unit_price,monthly_demand,end_of_support"]
    for p in range(PRODUCTS):
        end = "" if p % 3 else f"{2028 + p % 6}-12-31"
        products.append(
            f"PR{p:03d},Product {p},{rng.uniform(50, 5000):.2f},{rng.randint(0, 400)},{end}"
        )
        for a in rng.sample(range(ASSEMBLIES), 3):
            bom.append(f"PR{p:03d},SA{a:03d},,,{rng.randint(1, 2)}")
        for m in rng.sample(mpns, 20):
            bom.append(f"PR{p:03d},,{m},Bench Semi,{rng.randint(1, 4)}")
            used.add(m)
    alternates = ["mpn,alternate_mpn,alternate_manufacturer,qualified"]
    for m in rng.sample(mpns, 2000):
        alternates.append(f"{m},ALT-{m},Other Semi,{rng.choice(['true', 'false'])}")
    texts = {
        "products.csv": "\n".join(products) + "\n",
        "bom.csv": "\n".join(bom) + "\n",
        "parts.csv": "\n".join(parts) + "\n",
        "alternates.csv": "\n".join(alternates) + "\n",
    }
    return texts, sorted(used)


def notice(i: int, mpn: str) -> NormalizedNotice:
    received = Timestamp()
    received.FromDatetime(datetime(2026, 3, 1, tzinfo=UTC))
    return NormalizedNotice(
        notice_id=f"bench-{i}",
        task_id=f"{i:032x}",
        trace_id=f"{i:032x}",
        mpn=mpn,
        manufacturer="Bench Semi",
        notice_kind="discontinuance",
        lifecycle_status="eol",
        issue_date="2026-02-15",
        last_time_buy_date="2026-08-15",
        last_ship_date="2027-02-15",
        part_count=1,
        received_at=received,
    )


async def run(database_url: str, count: int) -> list[tuple[str, int, float]]:
    settings = InferenceSettings()
    texts, used = catalog()
    rng = random.Random(1)
    picks = [rng.choice(used) for _ in range(count)]
    rows: list[tuple[str, int, float]] = []
    pool = await connect_pool(database_url, max_size=10)
    try:
        started = time.perf_counter()
        report = await import_texts(pool, texts)
        rows.append((f"import ({report})", 1, time.perf_counter() - started))

        async def one(i: int, mpn: str) -> None:
            n = notice(i, mpn)
            a = await assess_notice(pool, n, await match_notice(pool, n), settings)
            await save_assessment(pool, a)

        started = time.perf_counter()
        for i, mpn in enumerate(picks):
            await one(i, mpn)
        rows.append(("assess + persist, sequential", count, time.perf_counter() - started))

        gate = asyncio.Semaphore(10)

        async def gated(i: int, mpn: str) -> None:
            async with gate:
                await one(i, mpn)

        started = time.perf_counter()
        await asyncio.gather(*(gated(count + i, mpn) for i, mpn in enumerate(picks)))
        rows.append(("assess + persist, 10 in flight", count, time.perf_counter() - started))
    finally:
        await pool.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=1000)
    args = parser.parse_args()
    host = machine()  # before the run: the load others put on the shared cores
    root = Path(tempfile.mkdtemp(prefix="radar-bench-pg-"))
    server = PostgresServer(root / "data").start()
    try:
        rows = asyncio.run(run(server.create_database("bench"), args.notices))
    finally:
        server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
    print(f"Impact engine: {PARTS:,} parts, {PRODUCTS} products, {ASSEMBLIES} sub-assemblies")
    print(f"machine: {host['nproc']} cores, load {host['loadavg_1m']} at start")
    print(f"{'phase':<72} {'items':>6} {'seconds':>8} {'per s':>8}")
    results = []
    for phase, items, seconds in rows:
        rate = items / seconds if seconds else 0.0
        print(f"{phase:<72} {items:>6} {seconds:>8.2f} {rate:>8.1f}")
        results.append({"phase": phase, "items": items, "seconds": seconds, "per_second": rate})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"benchmark": "inference", "machine": host, "rows": results}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
