"""Catalog scale: import a large catalog, then where-used and whole assessments against it.

Generates (``catalog_gen.py``) 5,000 products, 200,000 parts and 1,000,000 BOM lines with
shared sub-assemblies five levels deep, starts its own PostgreSQL (the embedded one ``radar
dev`` uses), and measures:

- the import (``radar_common.catalog.import_catalog``, as ``radar import`` runs it) in a child
  process: wall time and the child's peak RSS (``wait4``), then a second import of the same
  files (nothing changes: the merge writes nothing);
- where-used (``radar_inference.where_used.where_used``) of parts picked at random among those
  in a BOM, one at a time: p50/p95/p99 and the rows (paths) returned; and of the part used most;
- an assessment end to end as the inference worker makes it: match, where-used, exposure,
  decision, persist (``match_notice`` + ``assess_notice`` + ``save_assessment``).

    .venv/bin/python bench/catalog_bench.py [--bom-lines 1000000] [--lookups 500]

Writes ``bench/results/catalog.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from catalog_gen import generate
from inference_bench import notice
from machine import percentile, table, write

from radar_cli.infra import PostgresServer
from radar_common.catalog import import_catalog
from radar_common.db import connect_pool
from radar_inference.engine import assess_notice, match_notice
from radar_inference.repository import save_assessment
from radar_inference.settings import InferenceSettings
from radar_inference.where_used import where_used


def import_in_child(directory: Path, database_url: str) -> dict[str, Any]:
    """``import_catalog`` in a fresh process: its wall time, report and peak RSS."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--import-only", str(directory), database_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed:\n{output}")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # kB on Linux
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (PostgreSQL's backend: another user, readable)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def import_only(directory: Path, database_url: str) -> None:
    pool = await connect_pool(database_url, min_size=1, max_size=1)  # one backend: its CPU
    try:
        backend = await pool.fetchval("SELECT pg_backend_pid()")
        before = cpu_seconds(backend)
        started = time.perf_counter()
        report = await import_catalog(pool, directory)
        seconds = time.perf_counter() - started
        postgres_cpu = cpu_seconds(backend) - before
    finally:
        await pool.close()
    summary = report.as_dict() | {"summary": str(report)}
    print(json.dumps({"seconds": seconds, "postgres_cpu_s": postgres_cpu, "report": summary}))


def spread(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms),
    }


async def lookups(
    database_url: str, used: list[str], most_used: str, args: argparse.Namespace
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    picks = [rng.choice(used) for _ in range(args.lookups)]
    settings = InferenceSettings()
    pool = await connect_pool(database_url, max_size=4)
    try:
        async with pool.acquire() as conn:
            for mpn in picks[:20]:  # warm the cache and the prepared statements
                await where_used(conn, mpn)
            # The machine's own floor: a round trip that does nothing (shared cores stretch it).
            trips = []
            for _ in range(args.lookups):
                started = time.perf_counter()
                await conn.fetchval("SELECT 1")
                trips.append(time.perf_counter() - started)
            times, rows = [], []
            for mpn in picks:
                started = time.perf_counter()
                uses = await where_used(conn, mpn)
                times.append(time.perf_counter() - started)
                rows.append(sum(len(u.paths) for u in uses))
            started = time.perf_counter()
            heaviest = await where_used(conn, most_used)
            heaviest_s = time.perf_counter() - started
        assess_times = []
        for i, mpn in enumerate(picks[: args.assessments]):
            n = notice(i, mpn)
            started = time.perf_counter()
            a = await assess_notice(pool, n, await match_notice(pool, n), settings)
            await save_assessment(pool, a)
            assess_times.append(time.perf_counter() - started)
    finally:
        await pool.close()
    ordered = sorted(float(n) for n in rows)
    return {
        "round_trip": spread(trips),
        "where_used": spread(times)
        | {"paths_p50": percentile(ordered, 50), "paths_p95": percentile(ordered, 95)},
        "where_used_most_used_part": {
            "mpn": most_used,
            "ms": heaviest_s * 1000,
            "products": len(heaviest),
            "paths": sum(len(u.paths) for u in heaviest),
        },
        "assessment": spread(assess_times),
    }


def most_used_part(directory: Path) -> str:
    counts: Counter[str] = Counter()
    with (directory / "bom.csv").open() as f:
        for line in f:
            mpn = line.split(",")[2]
            if mpn and mpn != "mpn":
                counts[mpn] += 1
    return counts.most_common(1)[0][0]


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    root = Path(tempfile.mkdtemp(prefix="radar-bench-catalog-"))
    try:
        started = time.perf_counter()
        stats = generate(
            root / "catalog", products=args.products, parts=args.parts, bom_lines=args.bom_lines
        )
        generated_s = time.perf_counter() - started
        most_used = most_used_part(root / "catalog")
        server = PostgresServer(root / "pg").start()
        try:
            url = server.create_database("bench")
            first = import_in_child(root / "catalog", url)
            again = import_in_child(root / "catalog", url)
            measured = asyncio.run(lookups(url, stats.used, most_used, args))
        finally:
            server.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "catalog": {
            "products": stats.products,
            "sub_assemblies": stats.assemblies,
            "parts": stats.parts,
            "parts_in_a_bom": len(stats.used),
            "bom_lines": stats.bom_lines,
            "alternates": stats.alternates,
            "generated_s": generated_s,
        },
        "import": first,
        "reimport_unchanged": again,
        **measured,
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }


def report(results: dict[str, Any]) -> None:
    c = results["catalog"]
    print(
        f"catalog: {c['products']:,} products, {c['sub_assemblies']:,} sub-assemblies, "
        f"{c['parts']:,} parts, {c['bom_lines']:,} BOM lines (generated in "
        f"{c['generated_s']:.1f} s)"
    )
    first, again = results["import"], results["reimport_unchanged"]
    trip = results["round_trip"]
    wu, heavy, assess = (
        results["where_used"],
        results["where_used_most_used_part"],
        results["assessment"],
    )
    rows = [
        ["import (COPY, streamed)", f"{first['seconds']:.1f} s", "< 60 s"],
        [
            "  CPU: importer / PostgreSQL",
            f"{first['cpu_s']:.1f} s / {first['postgres_cpu_s']:.1f} s",
            "-",
        ],
        ["import peak RSS", f"{first['peak_rss_mb']:.0f} MB", "bounded"],
        [
            "re-import, nothing changed",
            f"{again['seconds']:.1f} s "
            f"(CPU {again['cpu_s']:.1f} / {again['postgres_cpu_s']:.1f} s)",
            "-",
        ],
        [
            "round trip (SELECT 1), the floor",
            f"p50 {trip['p50_ms']:.1f} / p95 {trip['p95_ms']:.1f} ms",
            "-",
        ],
        [
            f"where-used, {wu['n']} parts",
            f"p50 {wu['p50_ms']:.1f} / p95 {wu['p95_ms']:.1f} / p99 {wu['p99_ms']:.1f} ms",
            "p95 < 20 ms",
        ],
        ["  paths returned", f"p50 {wu['paths_p50']:.0f} / p95 {wu['paths_p95']:.0f}", "-"],
        [
            "where-used, most used part",
            f"{heavy['ms']:.1f} ms ({heavy['products']} products, {heavy['paths']} paths)",
            "-",
        ],
        [
            f"assessment end to end, {assess['n']}",
            f"p50 {assess['p50_ms']:.1f} / p95 {assess['p95_ms']:.1f} ms",
            "p95 < 50 ms",
        ],
    ]
    print(table(["measure", "result", "target"], rows))
    print(f"changed by the first import: {first['report']['changed']}")
    print(
        f"load average {results['loadavg_1m_before']} -> {results['loadavg_1m_after']} "
        f"({os.cpu_count()} cores)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--parts", type=int, default=200_000)
    parser.add_argument("--bom-lines", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--assessments", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--import-only", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        asyncio.run(import_only(Path(args.import_only[0]), args.import_only[1]))
        return
    results = run(args)
    report(results)
    print(f"wrote {write('catalog', results)}")


if __name__ == "__main__":
    main()
