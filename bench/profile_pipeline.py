"""Where the time goes under load: py-spy on every service while notices stream through.

Starts the pipeline (``testbed``), posts ``--events`` notices as fast as it can and records
each service with ``py-spy record --format raw`` for ``--seconds``; prints each service's
hottest functions (own time and inclusive time) and keeps the collapsed stacks in
``bench/results/profile-<service>.txt`` (open them with speedscope or flamegraph.pl).

    .venv/bin/python bench/profile_pipeline.py [--events 2000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from machine import RESULTS
from nats_messages import import_demo_catalog
from pipeline_bench import closed_loop
from testbed import Testbed

SERVICES = ("ingestion", "normalizer", "inference", "notifier")


def summarize(path: Path, top: int) -> tuple[Counter[str], Counter[str], int]:
    """Own-time and inclusive sample counts per function from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    return own, inclusive, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    pyspy = str(Path(sys.executable).parent / "py-spy")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with Testbed() as bed:
        assert bed.stack is not None
        import_demo_catalog(bed)  # notices match catalog parts, as in pipeline_bench.py
        load = threading.Thread(
            target=lambda: asyncio.run(closed_loop(bed.api_url, args.events, 32)), daemon=True
        )
        load.start()
        recorders = {}
        for name in SERVICES:
            proc = bed.stack.services[name].proc
            assert proc is not None
            out = RESULTS / f"profile-{name}.txt"
            recorders[name] = (
                subprocess.Popen(
                    [
                        pyspy,
                        "record",
                        "--pid",
                        str(proc.pid),
                        "--duration",
                        str(args.seconds),
                        "--format",
                        "raw",
                        "--rate",
                        "50",
                        "--nonblocking",
                        "-o",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
                out,
            )
        for recorder, _ in recorders.values():
            recorder.wait()
        load.join(timeout=300)
    for name, (_, out) in recorders.items():
        if not out.exists():
            print(f"\n{name}: no profile (py-spy needs ptrace permission)")
            continue
        own, inclusive, total = summarize(out, args.top)
        print(f"\n=== {name}: {total} samples ===")
        print("own time:")
        for frame, n in own.most_common(args.top):
            print(f"  {100 * n / max(total, 1):5.1f}%  {frame[:150]}")
        print("inclusive:")
        for frame, n in inclusive.most_common(args.top * 2)[: args.top * 2]:
            print(f"  {100 * n / max(total, 1):5.1f}%  {frame[:150]}")


if __name__ == "__main__":
    main()
