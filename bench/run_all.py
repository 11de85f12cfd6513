"""Every benchmark, one subprocess each, then one summary of bench/results/*.json.

Benchmarks that are not there (yet) are skipped; one that fails is reported and the others
still run. ``make bench`` runs this.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from machine import RESULTS, machine

HERE = Path(__file__).resolve().parent
# (script, extra arguments); the first three belong to the services' engineers.
BENCHMARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ingest_bench.py", ()),
    ("catalog_bench.py", ()),
    ("normalizer_bench.py", ()),
    ("inference_bench.py", ()),
    ("bus_bench.py", ()),
    ("pipeline_bench.py", ()),
    ("nats_messages.py", ()),
    ("scaling_bench.py", ()),
    ("watcher_bench.py", ()),
)


def main() -> int:
    print(f"machine: {json.dumps(machine())}")
    outcomes = []
    for script, extra in BENCHMARKS:
        path = HERE / script
        if not path.exists():
            outcomes.append((script, "absent", 0.0))
            continue
        print(f"\n=== {script} ===", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(path), *extra], cwd=HERE.parent)
        outcomes.append((script, "ok" if code == 0 else f"exit {code}", time.monotonic() - started))
    print("\n=== summary ===")
    for script, outcome, seconds in outcomes:
        print(f"{script:22s} {outcome:10s} {seconds:6.0f} s")
    print(f"results in {RESULTS}: {', '.join(sorted(p.name for p in RESULTS.glob('*.json')))}")
    return 0 if all(o in ("ok", "absent") for _, o, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
