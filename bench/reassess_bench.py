"""Re-assessing 10,000 open notices after a catalog import: wall time and CPU seconds.

Starts its own nats-server and PostgreSQL, imports the generated catalog of
bench/inference_bench.py (10,000 parts, 500 products, nested sub-assemblies), records one open
notice per part and has them assessed once (the scheduler asks, the work stage assesses). Then
the measured part: an import that changes every part's stock, the scheduler's sweep (one
fingerprint query for all open notices, one work message each) and the work stage re-assessing
every notice it touched, until the last one is linked. The work stage runs in this process with
the service's default concurrency (10 in flight), as one inference replica does.

CPU seconds are counted for this process (the scheduler and the work stage), PostgreSQL and
nats-server separately; the machine is shared, so wall time is noisy and CPU time is the
steadier figure. Prints a table and writes bench/results/reassess.json.

    .venv/bin/python bench/reassess_bench.py [--notices 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp
from inference_bench import catalog
from machine import machine, table, write

from radar_cli.infra import NatsServer, PostgresServer
from radar_common.bus.connection import Bus
from radar_common.bus.topology import Topology
from radar_common.bus.worker import Worker
from radar_common.catalog import import_texts
from radar_common.contracts import NormalizedNotice
from radar_common.db import connect_pool, migrate
from radar_common.notices.arrivals import record_arrival
from radar_common.notices.clock import FixedClock
from radar_common.notices.reassessment import catalog_changed
from radar_inference.scheduler import Scheduler
from radar_inference.settings import InferenceSettings
from radar_inference.work import work_stage

TODAY = date(2026, 3, 1)


def notice(i: int, mpn: str) -> NormalizedNotice:
    received = Timestamp()
    received.FromDatetime(datetime(2026, 3, 1, tzinfo=UTC))
    return NormalizedNotice(
        notice_id=f"bench-{i}",
        task_id=f"{i:032x}",
        trace_id=f"{i:032x}",
        source="bench",
        mpn=mpn,
        manufacturer="Bench Semi",
        notice_number=f"PDN {i // 40:04d}",
        notice_kind="discontinuance",
        lifecycle_status="eol",
        issue_date="2026-02-15",
        last_time_buy_date="2026-08-15",
        last_ship_date="2027-02-15",
        part_count=1,
        received_at=received,
    )


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process and its children that have ended (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """CPU seconds of a process and every live descendant (PostgreSQL forks a backend each)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += cpu_of(pid)
        except OSError:
            continue
        todo += children.get(pid, [])
    return total


class Meter:
    """Wall and CPU seconds of one phase, per process."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def now(self) -> dict[str, float]:
        return {
            "wall": time.perf_counter(),
            "bench": time.process_time(),
            **{name: tree_cpu(pid) for name, pid in self.pids.items()},
        }


async def linked(pool: asyncpg.Pool, trigger: str) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM notices n JOIN assessments a ON a.assessment_id ="
            " n.assessment_id WHERE a.trigger = $1",
            trigger,
        )
    )


async def until(pool: asyncpg.Pool, trigger: str, count: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while await linked(pool, trigger) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{trigger}: {await linked(pool, trigger)} of {count} in time")
        await asyncio.sleep(0.2)


async def run(nats_url: str, database_url: str, count: int, meter: Meter) -> list[list[object]]:
    settings = InferenceSettings(
        database_url=database_url,
        reassess_grace_seconds=0,
        fetch_timeout_seconds=0.2,
        scheduler_enabled=False,
    )
    texts, _ = catalog()
    mpns = [line.split(",", 1)[0] for line in texts["parts.csv"].splitlines()[1:]][:count]
    rows: list[list[object]] = []
    pool = await connect_pool(database_url, max_size=20)
    bus = await Bus.connect(nats_url, Topology(), name="bench")
    try:
        await migrate(pool)
        await bus.ensure_topology(max_deliver=5, ack_wait_seconds=30, max_ack_pending=1000)
        await bus.ensure_consumer(
            bus.topology.notice_work_consumer,
            max_deliver=5,
            ack_wait_seconds=30,
            max_ack_pending=settings.concurrency * 10,
        )
        await import_texts(pool, texts)
        gate = asyncio.Semaphore(20)

        async def arrive(i: int, mpn: str) -> None:
            async with gate:
                await record_arrival(pool, notice(i, mpn))

        await asyncio.gather(*(arrive(i, m) for i, m in enumerate(mpns)))
        clock = FixedClock(TODAY)
        scheduler = Scheduler(pool, bus, settings, clock)
        stop = asyncio.Event()
        worker = Worker(bus, work_stage(bus.topology, pool, settings, clock), settings)
        running = asyncio.create_task(worker.run(stop))

        async def phase(name: str, trigger: str, change: bool) -> None:
            start = meter.now()
            if change:
                parts = texts["parts.csv"].splitlines()
                bumped = [parts[0]] + [
                    ",".join([*f[:3], str(int(f[3]) + 1), *f[4:]])
                    for f in (line.split(",") for line in parts[1:])
                ]
                await import_texts(pool, {"parts.csv": "\n".join(bumped) + "\n"})
                await catalog_changed(pool, "bench")
            imported = meter.now()
            asked, _ = await scheduler.tick()
            asked_at = meter.now()
            await until(pool, trigger, count, limit=900)
            done = meter.now()
            for label, a, b, items in (
                ("import", start, imported, 1),
                ("sweep + publish", imported, asked_at, asked),
                ("re-assess", asked_at, done, count),
                ("total", start, done, count),
            ):
                if not change and label == "import":
                    continue
                wall = b["wall"] - a["wall"]
                rows.append(
                    [
                        f"{name}: {label}",
                        items,
                        wall,
                        items / wall if wall else 0.0,
                        b["bench"] - a["bench"],
                        b["postgres"] - a["postgres"],
                        b["nats"] - a["nats"],
                    ]
                )

        await phase("first assessment", "revision", change=False)
        await phase("after an import", "catalog", change=True)
        stop.set()
        await running
    finally:
        await bus.close()
        await pool.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=10_000)
    args = parser.parse_args()
    host = machine()
    root = Path(tempfile.mkdtemp(prefix="radar-bench-reassess-"))
    nats = NatsServer(root / "nats").start()
    pg = PostgresServer(root / "pg").start()
    try:
        assert nats.proc is not None
        postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
        meter = Meter({"postgres": postmaster, "nats": nats.proc.pid})
        rows = asyncio.run(run(nats.url, pg.create_database("bench"), args.notices, meter))
    finally:
        nats.stop()
        pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
    headers = ["phase", "items", "seconds", "per s", "cpu bench", "cpu postgres", "cpu nats"]
    print(
        f"Re-assessing {args.notices:,} open notices (machine: {host['nproc']} cores, "
        f"load {host['loadavg_1m']} at start; shared, so wall time is noisy)"
    )
    print(table(headers, rows))
    path = write(
        "reassess",
        {"notices": args.notices, "rows": [dict(zip(headers, r, strict=True)) for r in rows]},
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
