"""Benchmark the normalizer's extractor: notices per second for text, HTML, PDF, JSON, smartPCN.

Each input is a notice from the test corpus (tests/normalizer/corpus), built into a real
``RawEvent`` (MIME with a generated PDF, Mailgun HTML, SendGrid text, ...) and extracted in a
loop, pinned to one core: first in this process, then — in the same run — through the
extraction sandbox the service uses (one warm child, which inherits the pinning), one event at
a time. CPU is counted in both processes, so "CPU ms/event" is what one core pays per event and
the process boundary's overhead is the difference between the two runs.
Prints two tables and writes ``bench/results/normalizer.json``.

    .venv/bin/python bench/normalizer_bench.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar_common.contracts import NormalizedNotice, RawEvent
from radar_normalizer.extract import extract_notices
from radar_normalizer.sandbox import ExtractionSandbox, SandboxLimits
from tests.normalizer.corpus import load_cases

RESULTS = Path(__file__).parent / "results" / "normalizer.json"
INPUTS = {
    "text (SendGrid, TI table)": "01-ti-pdn-sendgrid-text",
    "HTML (Mailgun, NXP table)": "03-nxp-packing-withdrawal-mailgun-html",
    "PDF (SES MIME + PDF, ADI)": "02-adi-pdn-mime-pdf",
    "XLSX (Postmark, Murata)": "19-murata-xlsx-postmark",
    "smartPCN XML attachment": "09-smartpcn-xml-attachment-sendgrid",
    "JSON (SiliconExpert PCN)": "11-siliconexpert-pcn-eol",
}


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of this process and of ``pids``, from /proc."""
    total = time.process_time()
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def _measure(
    extract: Callable[[RawEvent], Awaitable[list[NormalizedNotice]]],
    event: RawEvent,
    seconds: float,
    pids: Callable[[], list[int]],
) -> dict[str, object]:
    latencies: list[float] = []
    notices = 0
    cpu_started = _cpu_seconds(pids())
    started = time.perf_counter()
    while time.perf_counter() < started + seconds:
        began = time.perf_counter()
        notices += len(await extract(event))
        latencies.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds(pids()) - cpu_started
    latencies.sort()
    return {
        "events": len(latencies),
        "events_per_s": len(latencies) / elapsed,
        "notices_per_s": notices / elapsed,
        "cpu_ms_per_event": 1000 * cpu / len(latencies),
        "notices_per_cpu_s": notices / cpu if cpu else 0.0,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "input_bytes": len(event.SerializeToString()),
    }


async def run(seconds: float) -> list[dict[str, object]]:
    cases = {case.name: case for case in load_cases()}

    async def in_process(event: RawEvent) -> list[NormalizedNotice]:
        return extract_notices(event)

    rows: list[dict[str, object]] = []
    for label, name in INPUTS.items():
        row = await _measure(in_process, cases[name].event, seconds, list)
        rows.append({"input": label, "mode": "in process", **row})
    # One event at a time through one warm child: the same sequence as in process, plus the
    # process boundary (the service keeps RADAR_EXTRACT_PROCESSES children busy in parallel).
    async with ExtractionSandbox(SandboxLimits(processes=1), log_json=False) as sandbox:
        for label, name in INPUTS.items():
            row = await _measure(sandbox.extract, cases[name].event, seconds, lambda: sandbox.pids)
            rows.append({"input": label, "mode": "sandbox", **row})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per input")
    args = parser.parse_args()
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})  # one core, for this process and the sandbox's child
    rows = asyncio.run(run(args.seconds))
    print(f"pinned to CPU {core}")
    print(
        f"{'input':<28} {'mode':<10} {'events/s':>9} {'notices/s':>10} {'CPU ms/ev':>9} "
        f"{'notices/CPU-s':>13} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>8}"
    )
    for r in rows:
        print(
            f"{r['input']:<28} {r['mode']:<10} {r['events_per_s']:>9.1f} "
            f"{r['notices_per_s']:>10.1f} {r['cpu_ms_per_event']:>9.2f} "
            f"{r['notices_per_cpu_s']:>13.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
            f"{r['input_bytes']:>8}"
        )
    base = {r["input"]: r for r in rows if r["mode"] == "in process"}
    print("\nprocess boundary, per event (sandbox minus in process, same run):")
    for r in rows:
        if r["mode"] == "sandbox":
            b = base[r["input"]]
            wall = cast(float, r["p50_ms"]) - cast(float, b["p50_ms"])
            cpu = cast(float, r["cpu_ms_per_event"]) - cast(float, b["cpu_ms_per_event"])
            print(f"  {r['input']:<28} {wall:+.2f} ms wall (p50), {cpu:+.2f} ms CPU")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"python": platform.python_version(), "machine": platform.machine(), "rows": rows},
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
