"""A real HTTP server on loopback that records every request and answers as told.

It stands in for Slack, Teams, any webhook endpoint or an OTLP collector: the one stub HTTP
server of the suite. What it answers: each path can be given a queue of answers (``script``:
status, headers, body, delay — e.g. a 429 with Retry-After, then 200) and a ``default``, else
200. A subclass decides per request instead by overriding :meth:`Receiver.answer` — the fault
suite's ``HookReceiver`` asks a policy, ``OtlpReceiver`` decodes spans. Every request is kept
with the status it was answered and its attempt number: how many requests with the same
:meth:`Receiver.key` (by default, the path) arrived up to and including it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw and answered it."""

    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 200
    attempt: int = 1

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str:
        """A header by name, case-insensitively ("" when absent)."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")

    @property
    def delivered(self) -> bool:
        """Answered 2xx: what a sender counts as delivered."""
        return 200 <= self.status < 300


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
        self._attempts: Counter[Hashable] = Counter()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = receiver._serve(self.command, self.path, dict(self.headers), body)
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

    def key(self, request: Received) -> Hashable:
        """What makes two requests attempts at the same thing (here: the same path)."""
        return request.path

    def answer(self, request: Received) -> Answer:
        """The scripted answer for the request's path, then the path's default, else 200."""
        with self._lock:
            queue = self.scripts.get(request.path)
            if queue:
                return queue.popleft()
            return self.defaults.get(request.path, Answer())

    def _serve(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        request = Received(time.time(), method, path, headers, body)
        key = self.key(request)
        with self._lock:
            self._attempts[key] += 1
            request = replace(request, attempt=self._attempts[key])
        answer = self.answer(request)
        if answer.delay:
            time.sleep(answer.delay)
        with self._cond:
            self.received.append(replace(request, at=time.time(), status=answer.status))
            self._cond.notify_all()
        return answer

    def script(self, path: str, *answers: Answer) -> None:
        with self._lock:
            self.scripts[path].extend(answers)

    def default(self, path: str, answer: Answer) -> None:
        with self._lock:
            self.defaults[path] = answer

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def snapshot(self) -> list[Received]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self.received)

    def requests_to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(
        self, predicate: Callable[[list[Received]], Any], timeout: float = 30.0
    ) -> list[Received]:
        """Wait until predicate(list of received) is truthy; return the list."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(list(self.received)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"receiver: condition not met; got {len(self.received)}")
                self._cond.wait(remaining)
            return list(self.received)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
