"""A real HTTP server on loopback that records what it receives and answers as scripted.

Stands in for Slack, Teams or any webhook endpoint: each path can be given a queue of answers
(status, headers, body, delay) — e.g. a 429 with Retry-After, then 200 — and a default answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Receiver:
    """Start with ``with Receiver() as r:``; ``r.url(path)`` is where to send."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, deque[Answer]] = defaultdict(deque)
        self.defaults: dict[str, Answer] = {}
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = receiver._answer_for(self.path)
                if answer.delay:
                    time.sleep(answer.delay)
                with receiver._cond:
                    receiver.received.append(
                        Received(time.time(), self.command, self.path, dict(self.headers), body)
                    )
                    receiver._cond.notify_all()
                try:
                    self.send_response(answer.status)
                    for k, v in answer.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_POST = _handle
            do_PUT = _handle
            do_GET = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer_for(self, path: str) -> Answer:
        with self._lock:
            queue = self.scripts.get(path)
            if queue:
                return queue.popleft()
            return self.defaults.get(path, Answer())

    def script(self, path: str, *answers: Answer) -> None:
        with self._lock:
            self.scripts[path].extend(answers)

    def default(self, path: str, answer: Answer) -> None:
        with self._lock:
            self.defaults[path] = answer

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> list[Received]:
        """Wait until predicate(list of received) is truthy; return the list."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(list(self.received)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"receiver: condition not met; got {len(self.received)}")
                self._cond.wait(remaining)
            return list(self.received)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
