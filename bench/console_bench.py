"""The console's inbox and assessment page over 100,000 notices and 20,000 assessments.

Seeds a fresh database in SQL (``generate_series``): 100,000 notice records, the newest
20,000 of them assessed (each assessment used in two products, two BOM paths each), then
starts the console (``python -m radar_console``) against it and real NATS, signs in once
(development sign-in) and loads with wrk (Debian package) using that session cookie:

- ``/healthz``: the baseline (no database, no template), measured in the same run;
- ``/inbox``: the first page (50 rows, newest first, every open state);
- ``/notices/{id}``: the assessment page of an assessed notice (a different one per request,
  from a Lua list of 200 ids).

Printed per path: requests/s and latency p50/p95/p99 as wrk measures them on loopback over one
connection (one request at a time, so each latency is the server's time for that request plus
a loopback round trip, without queueing behind others), p95 over the baseline's p95, and the
console process's own CPU time per request (from ``/proc``; less sensitive to a shared
machine's load than wall time). Then the export:
``/inbox.csv`` and ``/inbox.xlsx`` of the 20,000 assessed notices (filter: severity high) are
downloaded once each; printed are the rows, the bytes, the seconds and the console process's
peak RSS (VmHWM) before and after each, so the growth an export causes is plain.

    .venv/bin/python bench/console_bench.py [--notices 100000] [--assessed 20000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import machine, table, write  # noqa: E402

from radar_cli.infra import NatsServer, PostgresServer, free_port, wait_for_port  # noqa: E402
from radar_common.db import connect_pool, migrate  # noqa: E402

SEED_NOTICES = """
INSERT INTO notices (record_id, identity_key, manufacturer_key, mpn_key, number_key, facts, mpn,
    manufacturer, notice_number, notice_kind, state, review, received_on, evidence, mentions,
    created_at)
SELECT md5('n' || i), 'n|maker' || (i % 40) || '|' || i || '|PART' || i, 'maker' || (i % 40),
    'PART' || i, i::text,
    jsonb_build_object('mpn', 'PART' || i, 'manufacturer', 'Maker ' || (i % 40),
        'notice_number', 'PDN ' || i, 'notice_kind', 'discontinuance',
        'issue_date', '2026-01-01', 'last_time_buy_date', '2027-06-30',
        'last_ship_date', '2027-12-31', 'inferred_fields', '[]'::jsonb),
    'PART' || i, 'Maker ' || (i % 40), 'PDN ' || i, 'discontinuance',
    CASE WHEN i % 10 = 0 THEN 'needs_review' ELSE 'new' END,
    CASE WHEN i % 10 = 0 THEN 'pending' ELSE '' END,
    date '2026-01-01' + (i % 300),
    jsonb_build_array(jsonb_build_object('field', 'last_time_buy_date',
        'snippet', 'Last Time Buy Date: 30-Jun-2027', 'location', 'body', 'line', 7,
        'confidence', 0.9)),
    '[]'::jsonb,
    timestamptz '2026-01-01' + i * interval '1 minute'
FROM generate_series(1, $1::int) AS i
"""

SEED_ASSESSMENTS = """
INSERT INTO assessments (assessment_id, notice_id, task_id, trace_id, mpn, severity, engine,
    body, record_id)
SELECT md5('a' || i), md5('n' || i), md5('t' || i), md5('r' || i), 'PART' || i, 'high', 'rules',
    jsonb_build_object(
        'assessment_id', md5('a' || i), 'record_id', md5('n' || i), 'mpn', 'PART' || i,
        'matched_mpn', 'PART' || i, 'currency', 'USD', 'severity', 'high',
        'recommended_action', 'last_time_buy', 'as_of', '2026-11-25',
        'effective_last_time_buy_date', '2027-06-30', 'ltb_quantity', (1000 + i % 500)::text,
        'ltb_cost', ((1000 + i % 500) * 1.25)::numeric(20, 2)::text,
        'revenue_at_risk', ((i % 97) * 1000)::text, 'need_before_ltb', 480,
        'need_after_ltb', 960, 'available_stock', '400', 'ltb_need', '1056', 'moq', '0',
        'order_multiple', '100', 'part_unit_price', '1.25', 'uncovered', 960,
        'where_used', jsonb_build_array(
            jsonb_build_object('sku', 'P' || (i % 300), 'name', 'Product ' || (i % 300),
                'eff_qty', 2, 'monthly_demand', 30, 'unit_price', '100.00',
                'paths', jsonb_build_array(
                    jsonb_build_object('nodes', jsonb_build_array('P' || (i % 300), 'SUB-1',
                        'PART' || i), 'quantity', 1),
                    jsonb_build_object('nodes', jsonb_build_array('P' || (i % 300), 'SUB-2',
                        'PART' || i), 'quantity', 1))),
            jsonb_build_object('sku', 'Q' || (i % 200), 'name', 'Spare ' || (i % 200),
                'eff_qty', 1, 'monthly_demand', 5, 'unit_price', '40.00',
                'paths', jsonb_build_array(jsonb_build_object('nodes',
                    jsonb_build_array('Q' || (i % 200), 'PART' || i), 'quantity', 1)))),
        'options', jsonb_build_array(
            jsonb_build_object('action', 'last_time_buy', 'cost', '1320.00', 'quantity', '1100',
                'description', 'Buy what support needs'),
            jsonb_build_object('action', 'redesign', 'description', 'Design the part out'))),
    timestamptz '2026-11-25'
FROM generate_series($1::int - $2::int + 1, $1::int) AS i
"""

LINK = """
UPDATE notices n SET assessment_id = md5('a' || i), assessed_facts_version = 1,
    as_of = '2026-11-25', severity = 'high', recommended_action = 'last_time_buy',
    effective_ltb = '2027-06-30', ltb_quantity = 1000 + i % 500,
    ltb_cost = (1000 + i % 500) * 1.25, revenue_at_risk = (i % 97) * 1000,
    matched_mpn = 'PART' || i
FROM generate_series($1::int - $2::int + 1, $1::int) AS i
WHERE n.record_id = md5('n' || i)
"""

P95_LUA = """
local ids = {%s}
local n = 0
request = function()
  n = n + 1
  if #ids == 0 then return wrk.format("GET") end
  return wrk.format("GET", "/notices/" .. ids[(n %% #ids) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%f %%f %%f %%f %%d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


async def seed(dsn: str, notices: int, assessed: int) -> list[str]:
    pool = await connect_pool(dsn, attempts=3)
    try:
        await migrate(pool)
        await pool.execute(SEED_NOTICES, notices)
        await pool.execute(SEED_ASSESSMENTS, notices, assessed)
        await pool.execute(LINK, notices, assessed)
        await pool.execute("ANALYZE")
        rows = await pool.fetch(
            "SELECT record_id FROM notices WHERE assessment_id IS NOT NULL ORDER BY random()"
            " LIMIT 200"
        )
        return [r["record_id"] for r in rows]
    finally:
        await pool.close()


def start_console(
    nats_url: str, dsn: str, port: int, token: str, log: Path
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
    env.update(
        {
            "RADAR_NATS_URL": nats_url,
            "RADAR_DATABASE_URL": dsn,
            "RADAR_HTTP_HOST": "127.0.0.1",
            "RADAR_HTTP_PORT": str(port),
            "RADAR_CONSOLE_URL": f"http://127.0.0.1:{port}",
            "RADAR_CONSOLE_SESSION_SECRET": secrets.token_urlsafe(32),
            "RADAR_CONSOLE_COOKIE_SECURE": "false",
            "RADAR_CONSOLE_DEV_SIGN_IN": "true",
            "RADAR_CONSOLE_DEV_TOKEN": token,
            "RADAR_LOG_LEVEL": "WARNING",
            "RADAR_LOG_JSON": "false",
            "OTEL_SDK_DISABLED": "true",
        }
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "radar_console"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def session_cookie(url: str, token: str) -> str:
    """Sign in once (development sign-in) and answer the session cookie (not load: one POST)."""
    with httpx.Client(base_url=url, timeout=30) as client:
        page = client.get("/auth/dev", params={"token": token}).text
        csrf = re.search(r'name="csrftoken" value="([^"]+)"', page)
        assert csrf, "no CSRF token on the sign-in page"
        answer = client.post(
            "/auth/dev",
            data={
                "csrftoken": csrf.group(1),
                "token": token,
                "email": "viewer@radar.dev",
                "next": "/",
            },
        )
        assert answer.status_code in (200, 303), answer.status_code
        return f"radar_console_session={client.cookies['radar_console_session']}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, path: str, cookie: str, seconds: int, ids: list[str], pid: int) -> dict[str, Any]:
    cpu_before = cpu_seconds(pid)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(P95_LUA % ", ".join(f'"{i}"' for i in ids))
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                "-c1",
                f"-d{seconds}s",
                "-s",
                script.name,
                "-H",
                f"Cookie: {cookie}",
                url + path,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    cpu = cpu_seconds(pid) - cpu_before
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, duration, p50, p95, p99, errors = line.split()[1:]
    return {
        "path": path if not ids else "/notices/{id}",
        "requests": int(requests),
        "rps": round(int(requests) / float(duration), 1),
        "p50_ms": round(float(p50), 2),
        "p95_ms": round(float(p95), 2),
        "p99_ms": round(float(p99), 2),
        "errors": int(errors),
        # The console's own CPU per request: what the page costs whatever the machine's load.
        "cpu_ms_per_request": round(cpu * 1000 / max(1, int(requests)), 2),
    }


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def export(url: str, path: str, cookie: str, pid: int, out: Path) -> dict[str, Any]:
    before = peak_rss_mb(pid)
    started = time.monotonic()
    subprocess.run(
        ["curl", "-sSf", "-H", f"Cookie: {cookie}", "-o", str(out), url + path],
        check=True,
    )
    seconds = time.monotonic() - started
    size = out.stat().st_size
    rows = 0
    if path.startswith("/inbox.csv"):
        rows = out.read_bytes().count(b"\r\n") - 1
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(out, read_only=True).active
        rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1 if sheet is not None else 0
    return {
        "path": path,
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 2),
        "peak_rss_before_mb": before,
        "peak_rss_after_mb": peak_rss_mb(pid),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--assessed", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    info = machine()
    work = Path(tempfile.mkdtemp(prefix="radar-console-bench-"))
    pg = PostgresServer(work / "pg").start()
    nats = NatsServer(work / "nats", log_file=work / "nats.log").start()
    console: subprocess.Popen[bytes] | None = None
    try:
        dsn = pg.create_database("console_bench")
        started = time.monotonic()
        ids = asyncio.run(seed(dsn, args.notices, args.assessed))
        seeded = time.monotonic() - started
        port, token = free_port(), secrets.token_urlsafe(24)
        console = start_console(nats.url, dsn, port, token, work / "console.log")
        wait_for_port(port, timeout=120)
        url = f"http://127.0.0.1:{port}"
        cookie = session_cookie(url, token)
        loads = [
            wrk(url, "/healthz", cookie, args.seconds, [], console.pid),
            wrk(url, "/inbox", cookie, args.seconds, [], console.pid),
            wrk(url, "/notices/x", cookie, args.seconds, ids, console.pid),
        ]
        base = loads[0]["p95_ms"] or 1.0
        for row in loads:
            row["p95_over_baseline"] = round(row["p95_ms"] / base, 1)
        exports = [
            export(url, "/inbox.csv?severity=high", cookie, console.pid, work / "x.csv"),
            export(url, "/inbox.xlsx?severity=high", cookie, console.pid, work / "x.xlsx"),
        ]
        result = {
            "notices": args.notices,
            "assessed": args.assessed,
            "seed_seconds": round(seeded, 1),
            "load": loads,
            "exports": exports,
            "loadavg_1m_end": round(os.getloadavg()[0], 2),
        }
        print(f"seeded {args.notices:,} notices, {args.assessed:,} assessed, in {seeded:.1f}s")
        for rows in (loads, exports):
            print(table(list(rows[0]), [list(r.values()) for r in rows]))
        print(f"load average at start {info['loadavg_1m']}, at end {result['loadavg_1m_end']}")
        write("console_bench", result)
    finally:
        if console is not None:
            console.terminate()
            console.wait(30)
        nats.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
