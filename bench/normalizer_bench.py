"""Benchmark the normalizer's reading pipeline: events and notices per second, one core.

Each input is a notice from the test corpora (tests/normalizer/corpus and corpus/real), built
into a real ``RawEvent`` (MIME with a generated PDF, Mailgun HTML, SendGrid text, ...) and read
in a loop, pinned to one core. Rates use CPU time (this process's, plus the reading child's
with ``--sandbox``), so other work on a shared machine slows the wall clock but not the figure.
``--against REV`` also measures the normalizer of git revision REV (its package exported to a
temporary folder, run in a child process on the same inputs) and prints the ratio, so that
before and after come from the same run. ``--sandbox`` also reads every input through the
extraction sandbox the service uses (one warm child process) and prints the cost of the process
boundary. Writes ``bench/results/normalizer.json``.

    .venv/bin/python bench/normalizer_bench.py [--seconds 3] [--against d0ab358] [--sandbox]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import table, write  # noqa: E402

from radar_common.bus.worker import PermanentError  # noqa: E402

PACKAGE = "services/normalizer/src/radar_normalizer"
INPUTS = {
    "text (SendGrid, TI table)": "01-ti-pdn-sendgrid-text",
    "HTML (Mailgun, NXP table)": "03-nxp-packing-withdrawal-mailgun-html",
    "PDF (SES MIME + PDF, ADI)": "02-adi-pdn-mime-pdf",
    "XLSX (Postmark, Murata)": "19-murata-xlsx-postmark",
    "smartPCN XML attachment": "09-smartpcn-xml-attachment-sendgrid",
    "JSON (SiliconExpert PCN)": "11-siliconexpert-pcn-eol",
    "real text (TDK, 38 parts)": "real/47-tdk-epcos-withdrawal-column-order-text-mailgun",
    "real PDF (ADI PDN)": "real/07-adi-pdn-ses-pdf-partial-table",
}


def measure(seconds: float) -> list[dict[str, object]]:
    """Rates of the ``radar_normalizer`` importable in this process."""
    from radar_normalizer.extract import extract_notices
    from tests.normalizer.corpus import load_cases

    try:  # the reader of this revision memoises token shapes: measure every event cold
        from radar_normalizer.plausibility import clear_caches
    except ImportError:
        clear_caches = None

    cases = {case.name: case for case in load_cases()}
    rows: list[dict[str, object]] = []
    for label, name in INPUTS.items():
        if name not in cases:
            continue
        event = cases[name].event
        events = notices = 0
        started = time.process_time()
        while time.process_time() - started < seconds:
            if clear_caches is not None:
                clear_caches()
            # An older reader may refuse a notice the new one reads.
            with contextlib.suppress(PermanentError):
                notices += len(extract_notices(event))
            events += 1
        cpu = time.process_time() - started
        rows.append(
            {
                "input": label,
                "events": events,
                "events_per_cpu_s": events / cpu,
                "notices_per_cpu_s": notices / cpu,
                "cpu_ms_per_event": 1000 * cpu / events,
                "notices_per_event": notices / events,
            }
        )
    return rows


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of this process and of ``pids``, from /proc."""
    total = time.process_time()
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def through_sandbox(seconds: float) -> dict[str, float]:
    """CPU ms per event read through the service's extraction sandbox (one warm child)."""
    from radar_normalizer.sandbox import ExtractionSandbox, SandboxLimits
    from tests.normalizer.corpus import load_cases

    cases = {case.name: case for case in load_cases()}
    out: dict[str, float] = {}
    async with ExtractionSandbox(SandboxLimits(processes=1), log_json=False) as sandbox:
        for label, name in INPUTS.items():
            event = cases[name].event
            events = 0
            cpu_started = _cpu_seconds(sandbox.pids)
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                with contextlib.suppress(PermanentError):
                    await sandbox.extract(event)
                events += 1
            out[label] = 1000 * (_cpu_seconds(sandbox.pids) - cpu_started) / events
    return out


def baseline(rev: str, seconds: float) -> list[dict[str, object]]:
    """The same measurement for the normalizer of ``rev``, in a child process."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, PACKAGE],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        env = {**os.environ, "PYTHONPATH": str(Path(folder) / "services/normalizer/src")}
        out = subprocess.run(
            [sys.executable, __file__, "--seconds", str(seconds), "--json"],
            check=True,
            capture_output=True,
            env=env,
            text=True,
        ).stdout
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU time per input")
    parser.add_argument("--against", default="", help="git revision to compare with")
    parser.add_argument("--sandbox", action="store_true", help="also read through the sandbox")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})  # one core, for this process and its children
    rows = measure(args.seconds)
    if args.json:
        print(json.dumps(rows))
        return
    before = {r["input"]: r for r in baseline(args.against, args.seconds)} if args.against else {}
    headers = ["input", "events/cpu-s", "notices/cpu-s", "cpu ms/event", "notices/event"]
    if before:
        headers += [f"events/cpu-s @{args.against}", "ratio"]
    lines = []
    for r in rows:
        line = [
            r["input"],
            r["events_per_cpu_s"],
            r["notices_per_cpu_s"],
            r["cpu_ms_per_event"],
            r["notices_per_event"],
        ]
        if before:
            old = before.get(r["input"])
            old_rate = float(old["events_per_cpu_s"]) if old else 0.0  # type: ignore[arg-type]
            ratio = float(r["events_per_cpu_s"]) / old_rate if old_rate else 0.0  # type: ignore[arg-type]
            line += [old_rate, ratio]
        lines.append(line)
    sandboxed = asyncio.run(through_sandbox(args.seconds)) if args.sandbox else {}
    if sandboxed:
        headers.append("sandbox cpu ms/event")
        for line, r in zip(lines, rows, strict=True):
            line.append(sandboxed.get(str(r["input"]), 0.0))
    print(table(headers, lines))
    print(f"load average at start: {os.getloadavg()[0]:.2f} (the machine is shared)")
    path = write(
        "normalizer",
        {
            "seconds_per_input": args.seconds,
            "against": args.against,
            "rows": rows,
            "before": before,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
