"""A simulated KEDA loop over the real JetStream lag while a backlog drains.

Ingestion accepts ``--backlog`` notices with no worker running; then the workers start (one
replica each) and every ``--interval`` seconds this script reads ``/jsz?consumers=true`` from
nats-server's monitoring port — the numbers KEDA's nats-jetstream scaler reads — and computes
what KEDA would ask for: desired = ceil((num_pending + num_ack_pending) / lagThreshold),
clamped to [minReplicas, maxReplicas] from charts/radar/values.yaml (lagThreshold 10 if absent).

    .venv/bin/python bench/scaling_bench.py [--backlog 1000] [--interval 1]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from machine import table, write
from pipeline_bench import closed_loop
from testbed import WORKERS, Testbed

from radar_common.bus.topology import Topology

VALUES = Path(__file__).resolve().parents[1] / "charts" / "radar" / "values.yaml"


def scaling_rules() -> dict[str, dict[str, int]]:
    """lagThreshold, minReplicas and maxReplicas of each worker, from the chart if it exists."""
    values: dict[str, Any] = yaml.safe_load(VALUES.read_text()) if VALUES.exists() else {}
    rules = {}
    for name in WORKERS:
        auto = (values.get(name) or {}).get("autoscaling") or {}
        rules[name] = {
            "lag_threshold": int(auto.get("lagThreshold", 10)),
            "min": int(auto.get("minReplicas", 1)),
            "max": int(auto.get("maxReplicas", 10)),
        }
    return rules


def desired(lag: int, rule: dict[str, int]) -> int:
    return max(rule["min"], min(rule["max"], math.ceil(lag / rule["lag_threshold"])))


def read_lag(monitor_url: str, topology: Topology) -> dict[str, int]:
    """pending + ack-pending of each worker's durable consumers, from /jsz (the largest, as
    KEDA takes the largest of a ScaledObject's triggers: inference also reads its work)."""
    jsz = httpx.get(f"{monitor_url}/jsz?consumers=true", timeout=5).json()
    wanted = {c.durable: (c.stream, name) for name in WORKERS for c in topology.consumers_of(name)}
    lag = dict.fromkeys(WORKERS, 0)
    for account in jsz.get("account_details", []):
        for stream in account.get("stream_detail", []):
            for consumer in stream.get("consumer_detail") or []:
                stream_name, worker = wanted.get(consumer["name"], ("", ""))
                if worker and stream_name == stream["name"]:
                    behind = int(consumer["num_pending"]) + int(consumer["num_ack_pending"])
                    lag[worker] = max(lag[worker], behind)
    return lag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    rules, topology, timeline = scaling_rules(), Topology(), []
    with Testbed(start_workers=False) as bed:
        sent = asyncio.run(closed_loop(bed.api_url, args.backlog, 32))
        bed.start_workers_now()
        started = time.monotonic()
        while time.monotonic() - started < args.timeout:
            lag = read_lag(bed.nats.monitor_url, topology)
            alerted = len(set(sent) & bed.clock.arrived.keys())
            timeline.append(
                {
                    "t": round(time.monotonic() - started, 1),
                    "alerted": alerted,
                    **{f"{w}_lag": lag[w] for w in WORKERS},
                    **{f"{w}_desired": desired(lag[w], rules[w]) for w in WORKERS},
                }
            )
            if alerted == len(sent) and not any(lag.values()):
                break
            time.sleep(args.interval)
    headers = ["t s", "alerted", *(f"{w[:5]} lag→want" for w in WORKERS)]
    rows = [
        [p["t"], p["alerted"], *(f"{p[f'{w}_lag']}→{p[f'{w}_desired']}" for w in WORKERS)]
        for p in timeline
    ]
    print(table(headers, rows))
    print(f"rules: {rules}")
    drained = timeline[-1]["alerted"] == len(sent) if timeline else False
    summary = {
        "backlog": len(sent),
        "drained": drained,
        "drain_seconds": timeline[-1]["t"] if timeline else None,
        "peak_desired": {w: max(p[f"{w}_desired"] for p in timeline) for w in WORKERS},
    }
    print(summary)
    print(f"wrote {write('scaling', {'rules': rules, 'summary': summary, 'timeline': timeline})}")


if __name__ == "__main__":
    main()
