"""`radar dev` (what `make run` starts): embedded infra, four services, demo alerts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from radar_cli.devenv import read_dev_env
from radar_cli.infra import free_port

pytestmark = pytest.mark.integration


def test_radar_dev_shows_demo_alerts_and_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
    env.update({"RADAR_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "120"})
    radar = Path(sys.executable).parent / "radar"
    out = tmp_path / "out.txt"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [str(radar), "dev"], cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                text = out.read_text(errors="replace")
                if text.count("→ SUCCESS") + text.count("→ FAILED") >= 3:
                    break
                assert proc.poll() is None, text
                time.sleep(0.5)
            text = out.read_text(errors="replace")
            assert text.count("alert ─") >= 3, text
            assert text.count("→ SUCCESS") == 3, text
            dev_env = read_dev_env(tmp_path / "state" / "dev.env")
            assert dev_env["RADAR_API_URL"].startswith("http://127.0.0.1:")
            assert dev_env["RADAR_API_KEY"].startswith("dev-")
            assert dev_env["RADAR_NATS_URL"].startswith("nats://127.0.0.1:")
            # The console runs too, and the sign-in link printed opens development sign-in.
            sign_in = dev_env["RADAR_CONSOLE_SIGN_IN_URL"]
            assert sign_in in text.replace("\n", "").replace(" ", "").replace("│", "")
            page = httpx.get(sign_in, timeout=10)
            assert page.status_code == 200
            assert "Sign in as admin@radar.dev" in page.text
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(60)
    assert code == 0
    assert "stopped" in out.read_text(errors="replace")


def test_exported_http_port_becomes_the_api_port_only(tmp_path: Path) -> None:
    """RADAR_HTTP_PORT once reached all four services: all but one failed, address in use.

    RADAR_METRICS_PORT (a port per service too, where metrics have one) stays with the user.
    """
    api = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
    env |= {
        "RADAR_STATE_DIR": str(tmp_path / "state"),
        "RADAR_HTTP_PORT": str(api),
        "RADAR_METRICS_PORT": str(free_port()),
    }
    radar = Path(sys.executable).parent / "radar"
    out = tmp_path / "out.txt"
    dev_env_file = tmp_path / "state" / "dev.env"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [str(radar), "dev", "--no-demo"],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            # radar dev waits up to 120 s for the services; a loaded machine needs the margin.
            deadline = time.monotonic() + 180
            while not dev_env_file.exists() and time.monotonic() < deadline:
                assert proc.poll() is None, out.read_text(errors="replace")
                time.sleep(0.5)
            assert dev_env_file.exists(), out.read_text(errors="replace")
            dev_env = read_dev_env(dev_env_file)  # written once every service is ready
            assert dev_env["RADAR_API_URL"] == f"http://127.0.0.1:{api}"
            assert httpx.get(f"http://127.0.0.1:{api}/readyz", timeout=10).status_code == 200
            openapi = httpx.get(f"http://127.0.0.1:{api}/openapi.json", timeout=10).json()
            assert "/v1/events/ingest" in openapi["paths"], "the API, not another service"
            assert not dev_env["RADAR_CONSOLE_URL"].endswith(f":{api}")
            time.sleep(2)  # a service that lost a port race would have exited by now
            assert proc.poll() is None, out.read_text(errors="replace")
            assert "exited" not in out.read_text(errors="replace")
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(60)
    assert code == 0
