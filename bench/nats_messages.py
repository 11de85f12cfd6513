"""NATS messages per event through the real pipeline, counted by nats-server itself.

nats-server's monitoring endpoint ``/varz`` counts every message it received (``in_msgs``)
and sent (``out_msgs``): publishes, JetStream acks, KV reads and writes, consumer fetches and
their answers. The difference across a closed loop of notices (demo catalog imported, so every
notice is matched, assessed and alerted), divided by the notices, is the cost per event. The
idle rate (lag gauges and other timers) is measured first and subtracted; ``/connz`` splits
the total by service. Also prints the resident memory of each worker after the load.

    .venv/bin/python bench/nats_messages.py [--events 300] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from machine import table, write
from testbed import Testbed

from radar_cli.commands.catalog import demo_catalog_dir
from radar_common.catalog.directory import import_directory_sync

TARGET_PER_EVENT = 30


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as r:
        data: dict[str, Any] = json.loads(r.read())
        return data


class MessageCounter:
    """In + out message counters of one nats-server, from its monitoring port."""

    def __init__(self, monitor_url: str) -> None:
        self.url = monitor_url

    def total(self) -> int:
        varz = _get(f"{self.url}/varz")
        return int(varz["in_msgs"]) + int(varz["out_msgs"])

    def by_client(self) -> Counter[str]:
        """In + out messages per client name (the services name their connections)."""
        counts: Counter[str] = Counter()
        for conn in _get(f"{self.url}/connz?limit=1024").get("connections", []):
            counts[conn.get("name") or "unnamed"] += int(conn["in_msgs"]) + int(conn["out_msgs"])
        return counts

    def settle(self, quiet_rate: float, seconds: float = 30.0) -> int:
        """Wait until the counters grow no faster than ``quiet_rate`` per second; the total."""
        deadline = time.monotonic() + seconds
        last = self.total()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.total()
            if now - last <= quiet_rate * 0.5 + 2:
                return now
            last = now
        return last


def import_demo_catalog(bed: Testbed) -> None:
    """Import the demo catalog into the bed's database (before any notice is posted)."""
    assert bed.stack is not None
    import_directory_sync(bed.stack.database_url, demo_catalog_dir())


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_rss(bed: Testbed) -> dict[str, float]:
    assert bed.stack is not None
    return {
        name: rss_mb(svc.proc.pid)
        for name, svc in bed.stack.services.items()
        if svc.proc is not None
    }


def postgres_cpu_seconds(bed: Testbed) -> float:
    """CPU time of the PostgreSQL postmaster, its live backends and its reaped children."""
    try:
        postmaster = int((bed.pg.data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15]) / tick  # own + reaped children
        elif ppid == postmaster:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def count(bed: Testbed, events: int, concurrency: int) -> dict[str, Any]:
    """Messages per event over a closed loop of ``events`` notices (after a warm-up)."""
    from pipeline_bench import closed_loop

    counter = MessageCounter(bed.nats.monitor_url)
    bed.clock.wait_for(set(asyncio.run(closed_loop(bed.api_url, 20, 4))), 60)  # warm-up
    counter.settle(quiet_rate=15)
    time.sleep(1.0)
    idle_start, t0 = counter.total(), time.monotonic()
    time.sleep(3.0)
    idle_rate = (counter.total() - idle_start) / (time.monotonic() - t0)
    before, clients_before, t0 = counter.total(), counter.by_client(), time.monotonic()
    sent = asyncio.run(closed_loop(bed.api_url, events, concurrency))
    missing = bed.clock.wait_for(set(sent), 300)
    after = counter.settle(idle_rate)
    elapsed = time.monotonic() - t0
    by_client = counter.by_client()
    by_client.subtract(clients_before)
    n = max(1, len(sent))
    raw = after - before
    return {
        "events": len(sent),
        "missing": len(missing),
        "messages": raw,
        "idle_per_second": idle_rate,
        "messages_per_event": (raw - idle_rate * elapsed) / n,
        "by_client_per_event": {k: v / n for k, v in sorted(by_client.items()) if v > 0},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--name", default="nats_messages")
    args = parser.parse_args()
    with Testbed(replicas=1) as bed:
        import_demo_catalog(bed)
        result = count(bed, args.events, args.concurrency)
        result["rss_mb"] = worker_rss(bed)
    print(
        table(
            ["client", "msgs/event"],
            [[k, v] for k, v in result["by_client_per_event"].items()],
        )
    )
    print(
        f"NATS messages per event: {result['messages_per_event']:.1f} "
        f"({result['messages']} in+out for {result['events']} events, "
        f"idle {result['idle_per_second']:.1f}/s subtracted; {result['missing']} not alerted); "
        f"target <= {TARGET_PER_EVENT}"
    )
    print("RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in result["rss_mb"].items()))
    path = write(args.name, {**result, "target": TARGET_PER_EVENT, "config": vars(args)})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
