"""The whole pipeline for a benchmark: embedded nats-server and PostgreSQL, the four services
as real processes (optionally more replicas of each worker), alerts to an :class:`AlertClock`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from types import TracebackType

from alerts import AlertClock

from radar_cli.infra import NatsServer, PostgresServer, free_port
from radar_cli.stack import SERVICES, ServiceProcess, Stack

API_KEY = "bench-key-0123456789"
START_SECONDS = 180.0
WORKERS = ("normalizer", "inference", "notifier")
# Every assessment is alerted (most are "info" without BOM data), without production's
# per-destination rate limit: the benchmark measures the pipeline, not the limiter.
ROUTES = "routes:\n  - name: everything\n    min_severity: info\n    channels: [webhook]\n"


class Testbed:
    """``with Testbed(replicas=2) as bed:`` — ``bed.api_url``, ``bed.clock``, ``bed.nats``."""

    def __init__(
        self, replicas: int = 1, *, start_workers: bool = True, experiment: str = ""
    ) -> None:
        self.replicas = replicas
        self.experiment = experiment
        self.start_workers = start_workers
        self.root = Path(tempfile.mkdtemp(prefix="radar-bench-"))
        self.nats = NatsServer(self.root / "nats")
        self.pg = PostgresServer(self.root / "pg")
        self.clock = AlertClock()
        self.extra: list[ServiceProcess] = []
        self.stack: Stack | None = None
        self.worker_env: dict[str, str] = {}

    @property
    def api_url(self) -> str:
        assert self.stack is not None
        return self.stack.api_url

    def __enter__(self) -> Testbed:
        self.nats.start()
        self.pg.start()
        self.clock.__enter__()
        routes = self.root / "routes.yaml"
        routes.write_text(ROUTES)
        self.stack = Stack(
            nats_url=self.nats.url,
            database_url=self.pg.create_database("radar"),
            log_dir=self.root / "logs",
            extra_env={
                "RADAR_API_KEYS": API_KEY,
                "RADAR_WEBHOOK_URL": self.clock.url,
                "RADAR_ROUTES_FILE": str(routes),
                "RADAR_WEBHOOK_RATE_PER_SECOND": "100000",
                "RADAR_WEBHOOK_BURST": "100000",
                "RADAR_LOG_LEVEL": "WARNING",
                "OTEL_SDK_DISABLED": "true",
            },
        )
        if self.experiment:  # a sitecustomize that patches the workers (bench/experiments/)
            folder = Path(__file__).parent / "experiments" / self.experiment.replace("-", "_")
            self.worker_env = {"PYTHONPATH": str(folder)}
        stack, base_env = self.stack, self.stack.env_for

        def env_for(name: str, port: int) -> dict[str, str]:
            env = base_env(name, port)
            return {**env, **self.worker_env} if name in WORKERS else env

        stack.env_for = env_for  # type: ignore[method-assign]
        try:
            # A machine shared with other work can take over a minute to start the sandbox.
            self.stack.start(None if self.start_workers else ("ingestion",), timeout=START_SECONDS)
            if self.start_workers:
                self.start_extra_replicas()
        except BaseException as exc:  # nothing started may outlive a failed start
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def start_workers_now(self) -> None:
        """Start the workers (when built with ``start_workers=False``)."""
        assert self.stack is not None
        self.stack.start(WORKERS, timeout=START_SECONDS)
        self.start_extra_replicas()

    def start_extra_replicas(self) -> None:
        assert self.stack is not None
        modules = dict(SERVICES)
        for n in range(2, self.replicas + 1):
            for name in WORKERS:
                port = free_port()
                svc = ServiceProcess(
                    name,
                    modules[name],
                    port,
                    self.stack.env_for(name, port),
                    self.root / "logs" / f"{name}-{n}.log",
                )
                svc.start()
                self.extra.append(svc)
        deadline = time.monotonic() + 60
        while not all(s.ready() for s in self.extra):
            if time.monotonic() > deadline:
                raise TimeoutError("extra replicas not ready")
            time.sleep(0.1)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each process used so far: services, replicas, nats-server."""
        assert self.stack is not None
        procs = {name: svc.proc for name, svc in self.stack.services.items()}
        procs.update({f"{svc.name}-{i + 2}": svc.proc for i, svc in enumerate(self.extra)})
        procs["nats-server"] = self.nats.proc
        return {name: _cpu(p.pid) for name, p in procs.items() if p is not None}

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for svc in self.extra:
            with contextlib.suppress(Exception):
                svc.stop()
        if self.stack is not None:
            self.stack.stop_all()
        self.clock.__exit__(exc_type, exc, tb)
        self.nats.stop()
        self.pg.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
