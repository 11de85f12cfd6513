"""The services as child processes: start, wait until ready, stop, kill, restart.

``radar dev`` and the end-to-end and fault-injection tests use this same code, so what the
tests prove is what a developer runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from radar_cli.infra import free_port

SERVICES: tuple[tuple[str, str], ...] = (
    ("ingestion", "radar_ingestion"),
    ("normalizer", "radar_normalizer"),
    ("inference", "radar_inference"),
    ("notifier", "radar_notifier"),
)
# What `start()` runs unless told otherwise: the four pipeline stages.
PIPELINE = tuple(name for name, _ in SERVICES)
# Started only when named (`radar dev` does): not part of the pipeline the tests drive.
OPTIONAL_SERVICES: tuple[tuple[str, str], ...] = (
    ("console", "radar_console"),
    ("watcher", "radar_watcher"),
)


@dataclass
class ServiceProcess:
    name: str
    module: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", self.module],
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as r:  # noqa: S310
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        return code


@dataclass
class Stack:
    """The four services against given NATS and PostgreSQL URLs."""

    nats_url: str
    database_url: str
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def env_for(self, name: str, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
        env.update(
            {
                "RADAR_NATS_URL": self.nats_url,
                "RADAR_DATABASE_URL": self.database_url,
                "RADAR_HTTP_PORT": str(port),
                "RADAR_HTTP_HOST": "127.0.0.1",
                "RADAR_PUBLIC_URL": f"http://127.0.0.1:{self.port_of('ingestion')}",
                "CREWAI_DISABLE_TELEMETRY": "true",
                "OTEL_SDK_DISABLED": env.get("OTEL_SDK_DISABLED", "false"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def port_of(self, name: str) -> int:
        if name not in self.ports:
            self.ports[name] = free_port()
        return self.ports[name]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port_of('ingestion')}"

    def start(self, names: tuple[str, ...] | None = None, *, timeout: float = 120.0) -> None:
        wanted = names or PIPELINE
        for name, module in (*SERVICES, *OPTIONAL_SERVICES):
            if name not in wanted:
                continue
            port = self.port_of(name)
            svc = ServiceProcess(
                name, module, port, self.env_for(name, port), self.log_dir / f"{name}.log"
            )
            self.services[name] = svc
            svc.start()
        self.wait_ready(wanted, timeout=timeout)

    def wait_ready(self, names: tuple[str, ...], timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                svc = self.services[name]
                if not svc.alive():
                    tail = svc.log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{name} exited during start:\n{tail}")
                if svc.ready():
                    pending.discard(name)
            time.sleep(0.1)
        if pending:
            raise TimeoutError(f"not ready after {timeout}s: {', '.join(sorted(pending))}")

    def stop(self, name: str, sig: int = signal.SIGTERM) -> int | None:
        return self.services[name].stop(sig)

    def kill(self, name: str) -> None:
        self.services[name].stop(signal.SIGKILL)

    def restart(self, name: str, *, timeout: float = 120.0) -> None:
        self.services[name].stop()
        self.services[name].start()
        self.wait_ready((name,), timeout=timeout)

    def stop_all(self) -> None:
        for name, _ in reversed((*SERVICES, *OPTIONAL_SERVICES)):
            if name in self.services:
                with contextlib.suppress(Exception):
                    self.services[name].stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()
