"""Benchmark POST /v1/events/ingest against a bare FastAPI endpoint, in the same run.

Both run as real uvicorn servers in subprocesses on loopback; ingestion stores into an embedded
nats-server (``radar_cli.infra.NatsServer``). Load comes from httpx at a fixed concurrency
(closed loop: the maximum rate) and at a fixed rate (open loop: latency at the issue-10 target
of 200 requests/s). Prints a table and writes ``bench/results/ingest.json``.

    .venv/bin/python bench/ingest_bench.py [--seconds 10] [--concurrency 32] [--rate 200]

The bare endpoint parses the same request model and answers the same 202 body, so the ratio
measures what authentication, idempotency and the durable publish cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, status

from radar_cli.infra import NatsServer, free_port, wait_for_port
from radar_ingestion.schemas import IngestEvent, TaskAccepted

API_KEY = "bench-key-0123456789"
TIMEOUT = 30.0
RESULTS = Path(__file__).parent / "results" / "ingest.json"


def serve_bare(port: int) -> None:
    """A FastAPI app with the ingest endpoint's shape that stores nothing."""
    app = FastAPI()

    @app.post("/v1/events/ingest", status_code=status.HTTP_202_ACCEPTED)
    async def ingest(body: IngestEvent) -> TaskAccepted:
        task_id = uuid.uuid4().hex
        return TaskAccepted(
            task_id=task_id, trace_id=uuid.uuid4().hex, status_url=f"/v1/tasks/{task_id}"
        )

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start_server(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, *args], env={**os.environ, **env}, stdout=subprocess.DEVNULL
    )
    wait_for_port(port, timeout=30)
    return proc


def body(n: int) -> dict[str, Any]:
    return {
        "source": "siliconexpert",
        "raw_data": {
            "PCNNumber": f"PCN-BENCH-{n}-{uuid.uuid4().hex[:8]}",
            "TypeOfChange": "EOL",
            "AffectedProductName": "LM358DR",
            "Manufacturer": "Texas Instruments",
            "LastTimeBuyDate": "2025-03-20",
        },
    }


def summarise(latencies: list[float], errors: Counter[str], seconds: float) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    return {
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "rps": len(latencies) / seconds,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(ordered) * 1000 if ordered else 0.0,
    }


Sample = tuple[list[float], Counter[str], float]  # latencies, errors, elapsed seconds


async def closed_loop(url: str, concurrency: int, seconds: float) -> Sample:
    """``concurrency`` clients, each sending its next request as soon as one is answered."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    counter = iter(range(10**9))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        headers={"X-API-Key": API_KEY}, limits=limits, timeout=TIMEOUT
    ) as client:
        for _ in range(concurrency):  # warm the connections
            await client.post(url, json=body(next(counter)))
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    answer = await client.post(url, json=body(next(counter)))
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                if answer.status_code == 202:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors[str(answer.status_code)] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


async def open_loop(url: str, rate: float, seconds: float) -> Sample:
    """Requests started at a fixed rate, whatever the answers' latency (no coordinated omission)."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    async with httpx.AsyncClient(
        headers={"X-API-Key": API_KEY}, limits=limits, timeout=TIMEOUT
    ) as client:
        for n in range(20):
            await client.post(url, json=body(n))

        async def one(n: int, scheduled: float) -> None:
            try:
                answer = await client.post(url, json=body(n))
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] += 1
                return
            if answer.status_code == 202:
                latencies.append(time.perf_counter() - scheduled)
            else:
                errors[str(answer.status_code)] += 1

        total = int(rate * seconds)
        start = time.perf_counter()
        tasks = []
        for n in range(total):
            scheduled = start + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return latencies, errors, elapsed


def merge(samples: list[Sample]) -> dict[str, Any]:
    latencies = [x for sample in samples for x in sample[0]]
    errors: Counter[str] = sum((sample[1] for sample in samples), Counter())
    return summarise(latencies, errors, sum(sample[2] for sample in samples))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Alternate short rounds of bare and ingest, so both see the same machine load."""
    with tempfile.TemporaryDirectory(prefix="radar-bench-") as tmp:
        nats = NatsServer(Path(tmp) / "nats").start()
        ingest_port, bare_port = free_port(), free_port()
        procs = []
        try:
            procs.append(
                start_server(
                    ["-m", "radar_ingestion"],
                    {
                        "RADAR_NATS_URL": nats.url,
                        "RADAR_API_KEYS": API_KEY,
                        "RADAR_HTTP_PORT": str(ingest_port),
                        "RADAR_LOG_LEVEL": "WARNING",
                        "RADAR_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/unused",
                    },
                    ingest_port,
                )
            )
            procs.append(start_server([__file__, "--serve-bare", str(bare_port)], {}, bare_port))
            urls = {
                "ingest": f"http://127.0.0.1:{ingest_port}/v1/events/ingest",
                "bare": f"http://127.0.0.1:{bare_port}/v1/events/ingest",
            }
            samples: dict[str, list[Sample]] = {}
            window = args.seconds / args.rounds
            for _ in range(args.rounds):
                for name, url in urls.items():
                    samples.setdefault(f"{name}_closed", []).append(
                        asyncio.run(closed_loop(url, args.concurrency, window))
                    )
                    samples.setdefault(f"{name}_rate", []).append(
                        asyncio.run(open_loop(url, args.rate, window))
                    )
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(10)
            nats.stop()
    results: dict[str, Any] = {name: merge(runs) for name, runs in samples.items()}
    results["ratio"] = results["ingest_closed"]["rps"] / max(results["bare_closed"]["rps"], 1e-9)
    results["config"] = {
        "seconds": args.seconds,
        "concurrency": args.concurrency,
        "rate": args.rate,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_after": os.getloadavg(),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    results = run(args)
    print(f"{'run':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, label in (
        ("bare_closed", f"bare, concurrency {args.concurrency}"),
        ("ingest_closed", f"ingest, concurrency {args.concurrency}"),
        ("bare_rate", f"bare, {args.rate:.0f} req/s"),
        ("ingest_rate", f"ingest, {args.rate:.0f} req/s"),
    ):
        r = results[name]
        print(
            f"{label:<28}{r['rps']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['errors']:>8}"
        )
    print(f"ingest/bare throughput ratio: {results['ratio']:.2f} (target >= 0.5)")
    print(f"p99 at {args.rate:.0f} req/s: {results['ingest_rate']['p99_ms']:.1f} ms (target < 25)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
