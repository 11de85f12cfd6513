"""One watcher cycle over a large catalog against the loopback providers: time, CPU, memory.

The provider fakes (tests/watcher/providers.py, each enforcing a requests-per-minute limit with
429 + Retry-After) run in this process; ``radar watch --once`` runs as a child process against
a fresh database and posts its changes to a loopback ingestion. Two passes:

1. Pacing: each remote source alone, 300 requests at 600 a minute (slow enough that the limit,
   not the loopback round trip, sets the pace). Printed: requests, the minimal time the limit
   allows (requests / limit), the time the cycle took, their ratio (>= 1: never faster than
   allowed, near 1: the allowance is used fully) and the 429s the provider sent (0: never over).
2. Scale: one cycle of every source (catalog, Nexar, SiliconExpert, Digi-Key, Mouser) over 10k,
   50k and 100k parts with limits out of the way (``BENCH_PER_MINUTE``); 1 % of the parts are
   end-of-life at Nexar. Printed: the watcher process's own CPU (user + system, from ``wait4``)
   and peak RSS, which must stay flat as the catalog grows (it is read a page at a time).

What the providers' stated limits mean for 100k parts is computed and printed alongside: at
those rates a 100k cycle takes hours to days, so the passes above compress time.

    .venv/bin/python bench/watcher_bench.py [--sizes 10000,50000,100000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the loopback providers live with the tests

from machine import machine, table, write  # noqa: E402

from radar_cli.infra import PostgresServer  # noqa: E402
from radar_common.catalog import import_texts  # noqa: E402
from radar_common.db import connect_pool  # noqa: E402
from tests.support.receiver import Answer, Receiver  # noqa: E402
from tests.watcher.providers import (  # noqa: E402
    DigiKey,
    Mouser,
    Nexar,
    Part,
    Provider,
    Served,
    SiliconExpert,
    settings_env,
)

PARTS_PER_REQUEST = {"nexar": 100, "siliconexpert": 50, "digikey": 1, "mouser": 10}
# Bench limits (requests a minute), shared by the fakes and the watcher.
BENCH_PER_MINUTE = {"nexar": 1200, "siliconexpert": 2400, "digikey": 60000, "mouser": 12000}
# What the providers state for a standard plan: (per minute, per day); None = not published
# (the watcher's defaults then apply: 60 a minute, no daily cap).
STATED = {
    "nexar": (None, None),  # monthly part limit by plan instead
    "siliconexpert": (None, None),  # by contract
    "digikey": (120, 1000),
    "mouser": (30, 1000),
}
DEFAULT_PER_MINUTE = 60
EOL_SHARE = 100  # every 100th part is EOL at Nexar: 1 % of the catalog changes
REMOTE = ("nexar", "siliconexpert", "digikey", "mouser")
# The pacing pass: this many requests per source at this limit (slow enough that the limit,
# not the loopback round trip, sets the pace).
PACED_REQUESTS = 300
PACED_PER_MINUTE = 600


def mpn(i: int) -> str:
    return f"WB{i:07d}"


def parts_csv(count: int) -> str:
    rows = ["mpn,manufacturer,unit_price,on_hand,on_order,lifecycle_status"]
    rows += [f"{mpn(i)},Bench Semiconductor,1.00,100,0,active" for i in range(count)]
    return "\n".join(rows) + "\n"


def fakes(count: int, names: tuple[str, ...], per_minute: dict[str, int]) -> list[Provider]:
    def parts(eol: bool) -> list[Part]:
        return [
            Part(mpn(i), "Bench Semiconductor", "eol" if eol and i % EOL_SHARE == 0 else "active")
            for i in range(count)
        ]

    made: dict[str, Provider] = {
        "nexar": Nexar(parts(True), per_minute=per_minute["nexar"]),
        "siliconexpert": SiliconExpert(parts(False), per_minute=per_minute["siliconexpert"]),
        "digikey": DigiKey(parts(False), per_minute=per_minute["digikey"], per_day=0),
        "mouser": Mouser(parts(False), per_minute=per_minute["mouser"]),
    }
    return [made[n] for n in names]


async def load_catalog(database_url: str, count: int) -> None:
    pool = await connect_pool(database_url)
    try:
        await import_texts(pool, {"parts.csv": parts_csv(count)})
    finally:
        await pool.close()


async def cycles(database_url: str) -> dict[str, dict[str, Any]]:
    pool = await connect_pool(database_url)
    try:
        rows = await pool.fetch(
            "SELECT source, checked, extract(epoch FROM cycle_finished_at - cycle_started_at)"
            " AS seconds FROM watcher_sources"
        )
        changes = await pool.fetchval("SELECT count(*) FROM watcher_changes")
    finally:
        await pool.close()
    found = {r["source"]: {"checked": r["checked"], "seconds": float(r["seconds"])} for r in rows}
    found["_changes"] = {"count": int(changes)}
    return found


def peak_rss_mb(pid: int) -> float:
    """The process's resident high-water mark (VmHWM) since its exec, in MB; 0 once it is gone.

    Not ``ru_maxrss`` from wait4: a forked child's RSS counts this process's pages (the
    provider fakes) until it execs, which would make the watcher look as big as the bench.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_cycle(
    env: dict[str, str], profile: Path | None = None
) -> tuple[float, float, float, float, int]:
    """``radar watch --once`` as a child: (wall s, user CPU s, system CPU s, peak RSS MB, exit).

    With ``profile``, the child runs under the py-spy sampling profiler, which writes collapsed
    stacks of its CPU time there (the CPU figure then includes the profiler's own).
    """
    radar = Path(sys.executable).parent / "radar"
    command = [str(radar), "watch", "--once"]
    if profile is not None:
        spy = Path(sys.executable).parent / "py-spy"
        command = [str(spy), "record", "-f", "raw", "-r", "200", "-o", str(profile), "--", *command]
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            peak = max(peak, peak_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Wait for the exit without reaping it (WNOWAIT): wait4 then gives the child's CPU.
    while os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        time.sleep(0.05)
    done.set()
    sampler.join()
    peak = max(peak, peak_rss_mb(proc.pid))
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        assert proc.stderr is not None
        print(proc.stderr.read().decode(errors="replace")[-2000:], file=sys.stderr)
    return wall, usage.ru_utime, usage.ru_stime, peak, proc.returncode


def measure(
    pg: PostgresServer,
    label: str,
    count: int,
    names: tuple[str, ...],
    per_minute: dict[str, int],
    profile: Path | None = None,
) -> dict[str, Any]:
    """One cycle of the catalog source and ``names`` over ``count`` parts."""
    database_url = pg.create_database(f"watcher_bench_{label}")
    asyncio.run(load_catalog(database_url, count))
    providers = fakes(count, names, per_minute)
    with contextlib.ExitStack() as stack, Receiver() as ingestion:
        ingestion.default(
            "/v1/ingest/component-alert",
            Answer(202, b'{"task_id": "bench"}', {"Content-Type": "application/json"}),
        )
        served = {p.name: stack.enter_context(Served(p)) for p in providers}
        env = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
        env |= settings_env(served) | {
            "RADAR_DATABASE_URL": database_url,
            "RADAR_API_URL": ingestion.url(""),
            "RADAR_API_KEY": "bench-key",
            "RADAR_LOG_JSON": "false",
            "RADAR_DIGIKEY_REQUESTS_PER_DAY": "0",
            "RADAR_MOUSER_REQUESTS_PER_DAY": "0",
            "COLUMNS": "100",
        }
        for name in names:
            env[f"RADAR_{name.upper()}_REQUESTS_PER_MINUTE"] = str(per_minute[name])
        wall, user, system, rss, code = run_cycle(env, profile)
        delivered = len(ingestion.requests_to("/v1/ingest/component-alert"))
    found = asyncio.run(cycles(database_url))
    sources = {}
    for p in providers:
        limit = per_minute[p.name]
        requests = p.requests - p.rate_limited
        minimal = requests / limit * 60
        seconds = found.get(p.name, {}).get("seconds", float("nan"))
        sources[p.name] = {
            "checked": found.get(p.name, {}).get("checked", 0),
            "requests": requests,
            "limit_per_minute": limit,
            "minimal_seconds": round(minimal, 1),
            "seconds": round(seconds, 1),
            "ratio": round(seconds / minimal, 3) if minimal else None,
            "refused_429": p.rate_limited,
        }
    cpu = user + system
    return {
        "parts": count,
        "sources_on": ["catalog", *names],
        "exit_code": code,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "user_cpu_seconds": round(user, 1),
        "system_cpu_seconds": round(system, 1),
        "peak_rss_mb": round(rss, 1),
        "changes_found": found["_changes"]["count"],
        "changes_delivered": delivered,
        "catalog_seconds": round(found.get("catalog", {}).get("seconds", float("nan")), 1),
        "sources": sources,
    }


def source_rows(result: dict[str, Any]) -> list[list[object]]:
    return [
        [
            name,
            f"{s['checked']:,}",
            f"{s['requests']:,}",
            s["limit_per_minute"],
            s["minimal_seconds"],
            s["seconds"],
            s["ratio"],
            s["refused_429"],
        ]
        for name, s in result["sources"].items()
    ]


SOURCE_HEADERS = [
    "source",
    "checked",
    "requests",
    "limit/min",
    "minimal s",
    "took s",
    "ratio",
    "429s",
]


def stated_for(count: int) -> list[list[object]]:
    """What the providers' own stated limits mean for ``count`` parts."""
    rows: list[list[object]] = []
    for name, (per_minute, per_day) in STATED.items():
        requests = math.ceil(count / PARTS_PER_REQUEST[name])
        minute = per_minute or DEFAULT_PER_MINUTE
        by_minute = requests / minute / 60
        days = requests / per_day if per_day else None
        rows.append(
            [
                name,
                f"{requests:,}",
                f"{minute}/min" + ("" if per_minute else " (default)"),
                f"{per_day:,}/day" if per_day else "—",
                f"{by_minute:.1f} h",
                f"{days:.0f} days" if days else f"{by_minute:.1f} h",
            ]
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--paced-requests", type=int, default=PACED_REQUESTS, help="0: skip")
    parser.add_argument("--sources", default=",".join(REMOTE), help="remote sources to scale")
    parser.add_argument(
        "--profile", type=Path, help="run the scale cycles under py-spy, stacks to this folder"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    scaled = tuple(s for s in args.sources.split(",") if s)
    print(f"machine: {json.dumps(machine())}")
    root = Path(tempfile.mkdtemp(prefix="radar-watcher-bench-"))
    pg = PostgresServer(root / "pg").start()
    paced, scale = [], []
    try:
        # 1. Each source alone at a limit its requests can reach: does it use the allowance
        #    fully and never exceed it?
        if args.paced_requests:
            print(f"\n--- pacing: each source alone, {PACED_PER_MINUTE} requests a minute ---")
        for name in REMOTE if args.paced_requests else ():
            count = args.paced_requests * PARTS_PER_REQUEST[name]
            limits = dict.fromkeys(REMOTE, PACED_PER_MINUTE)
            result = measure(pg, f"paced_{name}", count, (name,), limits)
            paced.append(result)
        if paced:
            print(table(SOURCE_HEADERS, [row for r in paced for row in source_rows(r)]))
            print(
                "watcher CPU per source alone: "
                + ", ".join(
                    f"{r['sources_on'][1]} {r['cpu_seconds']} s for {r['parts']:,} parts"
                    for r in paced
                )
            )
        # 2. Every source at once over the whole catalog, limits out of the way: CPU and memory.
        for count in sizes:
            on = ", ".join(("catalog", *scaled))
            print(f"\n--- one cycle of {on} over {count:,} parts ---", flush=True)
            stats = args.profile / f"watcher_{count}.txt" if args.profile else None
            result = measure(pg, f"scale_{count}", count, scaled, BENCH_PER_MINUTE, stats)
            scale.append(result)
            print(table(SOURCE_HEADERS, source_rows(result)))
            print(
                f"watcher process: {result['cpu_seconds']} s CPU (user "
                f"{result['user_cpu_seconds']}, system {result['system_cpu_seconds']}), peak RSS "
                f"{result['peak_rss_mb']} MB, wall {result['wall_seconds']} s; catalog source "
                f"{result['catalog_seconds']} s; changes {result['changes_found']} found, "
                f"{result['changes_delivered']} delivered; exit {result['exit_code']}"
            )
    finally:
        pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n--- memory and CPU as the catalog grows (catalog, {', '.join(scaled)}) ---")
    base = scale[0]
    print(
        table(
            ["parts", "peak RSS MB", "RSS vs smallest", "CPU s", "CPU s / 10k parts"],
            [
                [
                    f"{r['parts']:,}",
                    r["peak_rss_mb"],
                    f"{r['peak_rss_mb'] / base['peak_rss_mb']:.2f}x",
                    r["cpu_seconds"],
                    round(r["cpu_seconds"] / r["parts"] * 10_000, 2),
                ]
                for r in scale
            ],
        )
    )
    largest = sizes[-1]
    print(f"\n--- what the stated limits allow for {largest:,} parts (computed) ---")
    print(
        table(
            ["source", "requests", "per minute", "per day", "minimal by minute", "minimal"],
            stated_for(largest),
        )
    )
    write(
        "watcher" if scaled == REMOTE else f"watcher_{'_'.join(scaled)}",
        {
            "paced": paced,
            "scale": scale,
            "paced_per_minute": PACED_PER_MINUTE,
            "bench_per_minute": BENCH_PER_MINUTE,
        },
    )
    return 0 if all(r["exit_code"] == 0 for r in [*paced, *scale]) else 1


if __name__ == "__main__":
    sys.exit(main())
