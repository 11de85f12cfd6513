"""Ingestion alone against a bare FastAPI endpoint of the same shape, in the same run, with wrk.

Both servers are real uvicorn processes on loopback (httptools, uvloop); ingestion stores into
an embedded nats-server and no worker runs, so nothing drains the streams (workers paused).
Load comes from wrk (Debian's ``wrk``; installed by ``scripts/install-tools.sh`` or here when
missing), a compiled load generator, with ``bench/wrk/ingest.lua``: every request posts a
notice with a new PCN number, so no request is answered as an idempotent replay.

- **Closed loop** (the maximum rate): ``--connections`` connections, each sending its next
  request as soon as one is answered; rounds alternate bare and ingestion so that both see the
  same machine load. The ratio is ingestion's req/s over the bare endpoint's.
- **Fixed rate** (latency at ``--rate`` req/s): wrk2, which keeps a fixed schedule, is not in
  Debian, and no packaged generator (Debian, PyPI, npm) both keeps a schedule and is not
  itself the bottleneck. So the rate is paced by the Lua script: ``--paced-connections``
  connections, each waiting a jittered pause after every answer. The pause is computed from a
  calibration run so that the achieved rate meets the target; the achieved rate is printed.
  Latency is wrk's, from the write of a request to its answer. Caveat (coordinated omission):
  a connection whose answer is late sends its next request late, so a stall delays only that
  connection's requests; with 50 connections at 500 req/s each connection sends every ~100 ms,
  so latencies well under 100 ms are measured as a fixed schedule would measure them, and a
  stall shows as an achieved rate below the target.

wrk's own CPU (from ``wait4``) and each server's CPU (from ``/proc``) are printed beside the
rates, so a reader can see that the generator was not the bottleneck.

    .venv/bin/python bench/ingest_bench.py [--seconds 5] [--rounds 2] [--rate 500]

Writes ``bench/results/ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, status
from machine import table, write

from radar_cli.infra import NatsServer, free_port, wait_for_port
from radar_ingestion.schemas import IngestEvent, TaskAccepted

API_KEY = "bench-key-0123456789"
HERE = Path(__file__).resolve().parent
LUA = HERE / "wrk" / "ingest.lua"
TICKS = os.sysconf("SC_CLK_TCK")


def serve_bare(port: int) -> None:
    """A FastAPI app of the ingest endpoint's shape (same body and answer models); no storing."""
    app = FastAPI()

    @app.post("/v1/events/ingest", status_code=status.HTTP_202_ACCEPTED)
    async def ingest(body: IngestEvent) -> TaskAccepted:
        task_id = uuid.uuid4().hex
        return TaskAccepted(
            task_id=task_id, trace_id=uuid.uuid4().hex, status_url=f"/v1/tasks/{task_id}"
        )

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        http="httptools",
        loop="uvloop",
        log_level="warning",
        access_log=False,
    )


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when it is missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["bash", str(HERE.parent / "scripts" / "install-tools.sh")], check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: apt-get install wrk")
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wrk_run(
    wrk: str, url: str, *, connections: int, seconds: float, pace_ms: float = 0.0
) -> dict[str, Any]:
    """One wrk run (one thread: the other core is the server's); its summary and CPU."""
    env = {
        **os.environ,
        "WRK_API_KEY": API_KEY,
        "WRK_RUN": uuid.uuid4().hex[:12],
        "WRK_PACE_MS": str(pace_ms),
    }
    args = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(LUA)]
    proc = subprocess.Popen([*args, url], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, code, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(code)
    line = next((x for x in output.splitlines() if x.startswith("WRK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{output}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    duration = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "requests": raw["requests"],
        "seconds": duration,
        "errors": errors,
        "rps": (raw["requests"] - errors) / duration,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "wrk_cpu_s": usage.ru_utime + usage.ru_stime,
    }


def measured(wrk: str, url: str, pids: list[int], **options: Any) -> dict[str, Any]:
    """A wrk run with the CPU the server processes used during it."""
    before = [cpu_seconds(pid) for pid in pids]
    result = wrk_run(wrk, url, **options)
    result["server_cpu_s"] = sum(cpu_seconds(p) - b for p, b in zip(pids, before, strict=True))
    return result


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one kind together: rates from the totals, the worst round's percentiles."""
    seconds = sum(r["seconds"] for r in runs)
    good = sum(r["requests"] - r["errors"] for r in runs)
    return {
        "rounds": runs,
        "rps": good / seconds,
        "errors": sum(r["errors"] for r in runs),
        "p50_ms": max(r["p50_ms"] for r in runs),
        "p99_ms": max(r["p99_ms"] for r in runs),
        "wrk_cpu_pct": 100 * sum(r["wrk_cpu_s"] for r in runs) / seconds,
        "server_cpu_pct": 100 * sum(r["server_cpu_s"] for r in runs) / seconds,
        "server_cpu_ms_per_req": 1000 * sum(r["server_cpu_s"] for r in runs) / max(good, 1),
    }


def paced(wrk: str, url: str, pids: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """``args.rate`` req/s: a short calibration, then a pause that accounts for the latency."""
    conns = args.paced_connections
    interval_ms = 1000 * conns / args.rate
    probe = wrk_run(wrk, url, connections=conns, seconds=3, pace_ms=interval_ms)
    # rate = conns / (pause + latency): the probe's rate says what the latency adds.
    added_ms = max(0.0, 1000 * conns / max(probe["rps"], 1e-9) - interval_ms)
    pace = max(interval_ms / 2, interval_ms - added_ms)
    result = measured(wrk, url, pids, connections=conns, seconds=args.paced_seconds, pace_ms=pace)
    return combine([result]) | {"pace_ms": pace, "target_rps": args.rate}


def checkout(ref: str, into: Path) -> Path:
    """Ingestion's source at git ``ref`` (to run it beside the current one): its src path."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", ref, "services/ingestion/src"],
        cwd=HERE.parent,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "services" / "ingestion" / "src"


def start(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, *argv], env={**os.environ, **env}, stdout=subprocess.DEVNULL
    )
    wait_for_port(port, timeout=30)
    return proc


def run(args: argparse.Namespace) -> dict[str, Any]:
    wrk = ensure_wrk()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="radar-bench-") as tmp:
        nats = NatsServer(Path(tmp) / "nats").start()
        bare_port = free_port()
        procs: list[subprocess.Popen[bytes]] = []
        try:
            bare = start([__file__, "--serve-bare", str(bare_port)], {}, bare_port)
            procs.append(bare)
            targets = {"bare": (f"http://127.0.0.1:{bare_port}/v1/events/ingest", [bare.pid])}
            sources: dict[str, Path | None] = {"ingest": None}
            if args.compare_with:
                sources["before"] = checkout(args.compare_with, Path(tmp) / "before")
            for name, source in sources.items():
                port = free_port()
                ingest = start(
                    ["-m", "radar_ingestion"],
                    {
                        "RADAR_NATS_URL": nats.url,
                        "RADAR_API_KEYS": API_KEY,
                        "RADAR_HTTP_PORT": str(port),
                        "RADAR_LOG_LEVEL": "WARNING",
                        # Each its own streams on the one nats-server.
                        "RADAR_STREAM_PREFIX": f"BENCH_{name.upper()}",
                        "RADAR_SUBJECT_PREFIX": f"bench{name}",
                        # The ingest path never touches PostgreSQL (its pool opens lazily).
                        "RADAR_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/unused",
                        **({"PYTHONPATH": str(source)} if source else {}),
                    },
                    port,
                )
                procs.append(ingest)
                # nats-server's CPU is part of what ingestion costs.
                targets[name] = (
                    f"http://127.0.0.1:{port}/v1/events/ingest",
                    [ingest.pid, *([nats.proc.pid] if nats.proc else [])],
                )
            for url, _ in targets.values():  # warm each (imports, connections, streams)
                wrk_run(wrk, url, connections=4, seconds=1)
            closed: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
            for _ in range(args.rounds):
                for name, (url, pids) in targets.items():
                    closed[name].append(
                        measured(wrk, url, pids, connections=args.connections, seconds=args.seconds)
                    )
            rate = {name: paced(wrk, url, pids, args) for name, (url, pids) in targets.items()}
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(10)
            nats.stop()
    results: dict[str, Any] = {
        "closed": {name: combine(runs) for name, runs in closed.items()},
        "rate": rate,
    }
    results["ratio"] = results["closed"]["ingest"]["rps"] / max(
        results["closed"]["bare"]["rps"], 1e-9
    )
    if "before" in results["closed"]:
        results["ratio_before"] = results["closed"]["before"]["rps"] / max(
            results["closed"]["bare"]["rps"], 1e-9
        )
    results["config"] = {
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "rate": args.rate,
        "paced_connections": args.paced_connections,
        "paced_seconds": args.paced_seconds,
        "compare_with": args.compare_with,
        "wrk": subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0],
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }
    return results


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    rows = []
    for kind, label in (("closed", f"closed, {args.connections} conns"), ("rate", "paced")):
        for name in results[kind]:
            r = results[kind][name]
            rows.append(
                [
                    f"{name}, {label}",
                    r["rps"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["errors"],
                    f"{r['wrk_cpu_pct']:.0f}%",
                    f"{r['server_cpu_pct']:.0f}%",
                    r["server_cpu_ms_per_req"],
                ]
            )
    headers = ["run", "req/s", "p50 ms", "p99 ms", "errors", "wrk CPU", "server CPU", "ms/req"]
    print(table(headers, rows))
    config = results["config"]
    print(
        f"{config['wrk']}; load average "
        f"{config['loadavg_1m_before']} -> {config['loadavg_1m_after']}"
    )
    print(f"ingest/bare throughput ratio: {results['ratio']:.2f} (target >= 0.5)")
    if "ratio_before" in results:
        print(f"before ({args.compare_with})/bare throughput ratio: {results['ratio_before']:.2f}")
    achieved = results["rate"]["ingest"]["rps"]
    print(
        f"ingest p99 at {achieved:.0f} req/s (target rate {args.rate:.0f}): "
        f"{results['rate']['ingest']['p99_ms']:.1f} ms (target < 25)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per closed-loop round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--paced-connections", type=int, default=50)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument(
        "--compare-with", metavar="REF", help="also run ingestion as of git REF (e.g. main)"
    )
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    results = run(args)
    report(results, args)
    print(f"wrote {write('ingest', results)}")


if __name__ == "__main__":
    main()
