"""A local alert inbox for ``radar dev``: receives the notifier's webhook and prints each alert.

Used when no Slack, Teams or webhook destination is configured, so a developer sees the alerts
in the terminal.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class AlertInbox:
    """HTTP server on loopback; calls ``on_alert(payload)`` for each JSON POST."""

    def __init__(self, on_alert: Callable[[dict[str, Any]], None], port: int = 0) -> None:
        inbox = self
        self.count = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                try:
                    payload = json.loads(body)
                except ValueError:
                    return
                if isinstance(payload, dict):
                    inbox.count += 1
                    on_alert(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    def start(self) -> AlertInbox:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
