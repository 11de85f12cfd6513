"""A loopback alert receiver that timestamps every alert by task id (generic webhook body)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class AlertClock:
    """``with AlertClock() as clock:`` then point ``RADAR_WEBHOOK_URL`` at ``clock.url``."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.requests = 0
        self._cond = threading.Condition()
        clock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time()
                try:
                    task_id = str(json.loads(body)["data"]["task_id"])
                except (ValueError, KeyError, TypeError):
                    task_id = ""
                with clock._cond:
                    clock.requests += 1
                    clock.arrived.setdefault(task_id, now)
                    clock._cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(self, task_ids: set[str], timeout: float) -> set[str]:
        """Wait until every task alerted; return the ones that did not in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (missing := task_ids - self.arrived.keys()) and time.monotonic() < deadline:
                self._cond.wait(0.5)
            return missing

    def __enter__(self) -> AlertClock:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
