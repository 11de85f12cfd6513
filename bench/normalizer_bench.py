"""Benchmark the normalizer's extractor: notices per second for text, HTML, PDF, JSON, smartPCN.

Each input is a notice from the test corpus (tests/normalizer/corpus), built into a real
``RawEvent`` (MIME with a generated PDF, Mailgun HTML, SendGrid text, ...) and extracted in a
loop in this process, one core. Prints a table and writes ``bench/results/normalizer.json``.

    .venv/bin/python bench/normalizer_bench.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar_normalizer.extract import extract_notices
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


def run(seconds: float) -> list[dict[str, object]]:
    cases = {case.name: case for case in load_cases()}
    rows: list[dict[str, object]] = []
    for label, name in INPUTS.items():
        event = cases[name].event
        latencies: list[float] = []
        notices = 0
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            notices += len(extract_notices(event))
            latencies.append(time.perf_counter() - started)
        elapsed = sum(latencies)
        latencies.sort()
        rows.append(
            {
                "input": label,
                "events": len(latencies),
                "events_per_s": len(latencies) / elapsed,
                "notices_per_s": notices / elapsed,
                "p50_ms": 1000 * statistics.median(latencies),
                "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
                "input_bytes": len(event.SerializeToString()),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per input")
    args = parser.parse_args()
    rows = run(args.seconds)
    print(
        f"{'input':<28} {'events/s':>9} {'notices/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>8}"
    )
    for r in rows:
        print(
            f"{r['input']:<28} {r['events_per_s']:>9.1f} {r['notices_per_s']:>10.1f} "
            f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['input_bytes']:>8}"
        )
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
