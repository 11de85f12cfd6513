"""End to end: from the 202 to the alert at the receiver, through the four real services.

The demo catalog is imported first and every notice names one of its parts under a notice
number of its own, so each event is a new notice record that inference matches, runs
where-used and the exposure math on, and alerts (the real cost of a matched notice).

Two loads per configuration (one replica of each worker, then two):
- closed loop: ``--events`` notices as fast as ``--concurrency`` clients can post; events/s is
  counted from the first POST to the last alert received;
- open loop: each of ``--rates`` notices per second for ``--seconds``; latency per notice is alert
  arrival minus POST start (p50/p99).
The closed loop also counts NATS messages per event (in + out, from nats-server's ``/varz``,
see ``nats_messages.py``) and CPU milliseconds per event per process, PostgreSQL's beside them.
Targets (issue 16): >= 300 events/s closed loop on 2 cores; p50 < 50 ms and p99 < 150 ms at
100 events/s open loop; <= 6 ms CPU per event (services + nats-server); <= 30 NATS messages per
event; every worker under 150 MB RSS.

    .venv/bin/python bench/pipeline_bench.py [--events 1000] [--rates 100 10] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import time
import uuid
from functools import cache
from typing import Any

import httpx
from machine import percentile, table, write
from nats_messages import MessageCounter, import_demo_catalog, postgres_cpu_seconds, worker_rss
from testbed import API_KEY, Testbed

from radar_cli.commands.catalog import demo_catalog_dir


@cache
def catalog_parts() -> list[tuple[str, str]]:
    """(part number, manufacturer) of every part of the demo catalog."""
    with (demo_catalog_dir() / "parts.csv").open(newline="") as f:
        return [(row["mpn"], row["manufacturer"]) for row in csv.DictReader(f)]


def _body(run: str, i: int) -> dict[str, Any]:
    """A discontinuance notice of one catalog part, under a notice number of its own."""
    parts = catalog_parts()
    mpn, manufacturer = parts[i % len(parts)]
    return {
        "source": "siliconexpert",
        "raw_data": {
            "PCNNumber": f"PCN-{run.upper()}-{i:06d}",
            "TypeOfChange": "Product Discontinuance",
            "DescriptionOfChange": f"{manufacturer} will discontinue the devices listed.",
            "Manufacturer": manufacturer,
            "AffectedProductName": mpn,
            "NotificationDate": "2026-09-20",
            "LastTimeBuyDate": "2027-03-20",
            "LastShipDate": "2027-09-20",
        },
    }


TRANSPORT_ERRORS: list[str] = []  # printed with the results: a dropped connection is not hidden


async def _post(client: httpx.AsyncClient, run: str, i: int, sent: dict[str, float]) -> None:
    started = time.time()
    for _ in range(20):
        try:
            r = await client.post("/v1/events/ingest", json=_body(run, i))
        except httpx.TransportError as exc:  # retried like a 503: the event was not accepted
            TRANSPORT_ERRORS.append(type(exc).__name__)
            await asyncio.sleep(0.2)
            continue
        if r.status_code == 202:
            sent[r.json()["task_id"]] = started
            return
        await asyncio.sleep(0.2)


async def closed_loop(url: str, events: int, concurrency: int) -> dict[str, float]:
    run, sent = uuid.uuid4().hex[:6], dict[str, float]()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(events):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency)
    headers = {"X-API-Key": API_KEY}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                await _post(client, run, queue.get_nowait(), sent)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent


async def open_loop(url: str, rate: float, seconds: float) -> dict[str, float]:
    run, sent = uuid.uuid4().hex[:6], dict[str, float]()
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": API_KEY}) as client:
        start, tasks = time.monotonic(), []
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            tasks.append(asyncio.create_task(_post(client, run, i, sent)))
        await asyncio.gather(*tasks)
    return sent


def measure(bed: Testbed, sent: dict[str, float], timeout: float) -> dict[str, Any]:
    missing = bed.clock.wait_for(set(sent), timeout)
    done = {t: bed.clock.arrived[t] - sent[t] for t in sent if t in bed.clock.arrived}
    latencies = sorted(v * 1000 for v in done.values())
    span = max(bed.clock.arrived[t] for t in done) - min(sent.values()) if done else 0.0
    return {
        "events": len(sent),
        "alerted": len(done),
        "missing": len(missing),
        "seconds": span,
        "events_per_second": len(done) / span if span else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for replicas in args.replicas:
        with Testbed(replicas=replicas, experiment=args.experiment) as bed:
            import_demo_catalog(bed)
            measure(bed, asyncio.run(closed_loop(bed.api_url, 20, 4)), 60)  # warm-up
            counter = MessageCounter(bed.nats.monitor_url)
            cpu_before, pg_before = bed.cpu_seconds(), postgres_cpu_seconds(bed)
            msgs_before = counter.total()
            sent = asyncio.run(closed_loop(bed.api_url, args.events, args.concurrency))
            row = {"replicas": replicas, "load": "closed", **measure(bed, sent, 300)}
            msgs = counter.settle(quiet_rate=20) - msgs_before
            cpu = {k: v - cpu_before.get(k, 0.0) for k, v in bed.cpu_seconds().items()}
            n = max(1, len(sent))
            # CPU milliseconds each process spent per event: independent of what else runs on
            # the machine, and its sum bounds the rate: cores * 1000 / sum.
            row["cpu_ms_per_event"] = {k: 1000 * v / n for k, v in cpu.items()}
            total = sum(row["cpu_ms_per_event"].values())
            row["cpu_ms_per_event_total"] = total
            row["postgres_cpu_ms_per_event"] = 1000 * (postgres_cpu_seconds(bed) - pg_before) / n
            row["cpu_bound_events_per_second"] = (os.cpu_count() or 1) * 1000 / max(total, 1e-9)
            row["nats_messages_per_event"] = msgs / n
            row["rss_mb"] = worker_rss(bed)
            rows.append(row)
            print(rows[-1], flush=True)
            for rate in args.rates:
                sent = asyncio.run(open_loop(bed.api_url, rate, args.seconds))
                rows.append(
                    {"replicas": replicas, "load": f"{rate:g}/s", **measure(bed, sent, 120)}
                )
                print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    # 100/s is the latency target's rate; 10/s shows the latency of an unsaturated pipeline.
    parser.add_argument("--rates", type=float, nargs="+", default=[100.0, 10.0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--name", default="pipeline")
    parser.add_argument(
        "--experiment", default="", help="e.g. no-task-progress (bench/experiments/)"
    )
    args = parser.parse_args()
    rows = run(args)
    headers = ["replicas", "load", "events", "alerted", "seconds", "events/s", "p50 ms", "p99 ms"]
    keys = ["replicas", "load", "events", "alerted", "seconds", "events_per_second"]
    print(table(headers, [[r[k] for k in keys] + [r["p50_ms"], r["p99_ms"]] for r in rows]))
    for r in rows:
        if "cpu_ms_per_event" in r:
            parts = ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_ms_per_event"].items())
            bound = r["cpu_bound_events_per_second"]
            print(
                f"replicas {r['replicas']}: CPU ms per event: {parts} = "
                f"{r['cpu_ms_per_event_total']:.1f} (PostgreSQL beside: "
                f"{r['postgres_cpu_ms_per_event']:.1f}); bound {bound:.0f}/s; "
                f"NATS messages per event {r['nats_messages_per_event']:.1f}; RSS MB "
                + ", ".join(f"{k} {v:.0f}" for k, v in r["rss_mb"].items())
            )
    targets = {
        "events_per_second": 300,
        "p50_ms_at_100_per_second": 50,
        "p99_ms_at_100_per_second": 150,
        "cpu_ms_per_event": 6,
        "nats_messages_per_event": 30,
        "worker_rss_mb": 150,
    }
    print(f"targets: {targets}")
    print(f"transport errors (retried): {len(TRANSPORT_ERRORS)} {sorted(set(TRANSPORT_ERRORS))}")
    path = write(args.name, {"rows": rows, "targets": targets, "config": vars(args)})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
