"""The `helm test` script against a stand-in API: success, a failed task, a wrong key."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .rendering import CHART

SCRIPT = CHART / "files" / "smoke_test.py"
TASK_ID = "0123456789abcdef0123456789abcdef"


class FakeApi(ThreadingHTTPServer):
    final_state = "SUCCESS"
    key = "k1"
    polls = 0
    received: dict[str, Any] | None = None


class Handler(BaseHTTPRequestHandler):
    server: FakeApi

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self) -> bool:
        if self.headers.get("X-API-Key") == self.server.key:
            return True
        self.answer(401, {"title": "unauthorized"})
        return False

    def do_POST(self) -> None:
        if not self.authorized():
            return
        assert self.path == "/v1/events/ingest"
        length = int(self.headers["Content-Length"])
        self.server.received = json.loads(self.rfile.read(length))
        self.answer(202, {"task_id": TASK_ID, "trace_id": "0" * 32, "state": "QUEUED"})

    def do_GET(self) -> None:
        if not self.authorized():
            return
        assert self.path == f"/v1/tasks/{TASK_ID}"
        self.server.polls += 1
        state = "RUNNING" if self.server.polls < 2 else self.server.final_state
        self.answer(200, {"task_id": TASK_ID, "state": state})


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run_script(api: FakeApi, keys: str) -> subprocess.CompletedProcess[str]:
    env = {
        "RADAR_API_URL": f"http://127.0.0.1:{api.server_address[1]}",
        "RADAR_API_KEYS": keys,
        "RADAR_TEST_SOURCE": "helm-test",
        "RADAR_TEST_TIMEOUT_SECONDS": "8",
        "RADAR_TEST_POLL_SECONDS": "0.05",
    }
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.read_text()],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_waits_for_success(api: FakeApi) -> None:
    proc = run_script(api, "k1, k2")
    assert proc.returncode == 0, proc.stderr
    assert f"task {TASK_ID}: SUCCESS" in proc.stdout
    assert api.polls == 2
    assert api.received is not None
    assert api.received["source"] == "helm-test"
    assert api.received["raw_data"]["TypeOfChange"] == "EOL"


def test_fails_when_the_task_fails(api: FakeApi) -> None:
    api.final_state = "FAILED"
    proc = run_script(api, "k1")
    assert proc.returncode == 1
    assert "ended FAILED" in proc.stderr


def test_fails_on_a_refused_key(api: FakeApi) -> None:
    proc = run_script(api, "wrong")
    assert proc.returncode != 0
    assert "401" in proc.stderr
