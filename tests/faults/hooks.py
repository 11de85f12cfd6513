"""A loopback alert receiver that decides each answer from the request and counts effects.

Unlike ``tests.support.receiver`` (a script per path), a :class:`HookReceiver` asks a policy
for every request — "answer 429 the first time this assessment arrives, then 200" — and records
the status it answered, so that it can tell a delivered alert from a refused attempt and count
duplicates per (channel, notification).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.receiver import Answer


@dataclass(frozen=True)
class Hit:
    """One request as the receiver saw and answered it."""

    at: float
    channel: str
    headers: dict[str, str]
    body: bytes
    status: int
    attempt: int

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300

    def payload(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def idempotency_key(self) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == "idempotency-key"), "")

    def _field(self, name: str) -> str:
        """A field of the generic webhook's ``data``, else ``<name> <id>`` in Slack/Teams text."""
        doc = self.payload()
        if isinstance(doc, dict) and isinstance(doc.get("data"), dict):
            return str(doc["data"].get(f"{name}_id") or "")
        found = re.search(rf"{name}\W{{1,4}}([0-9a-f]{{32}})", self.body.decode(errors="replace"))
        return found.group(1) if found else ""

    @property
    def assessment_id(self) -> str:
        return self._field("assessment")

    @property
    def task_id(self) -> str:
        return self._field("task")

    @property
    def identity(self) -> str:
        """What makes two requests the same notification: the key, else the assessment."""
        return self.idempotency_key or self.assessment_id or self.body.decode(errors="replace")


# policy(channel, body, attempt) -> answer; attempt counts requests with the same identity.
Policy = Callable[[str, bytes, int], Answer]


def always_ok(channel: str, body: bytes, attempt: int) -> Answer:
    return Answer()


@dataclass(frozen=True)
class Deliveries:
    """What the receiver saw, reduced to the numbers the accounting table needs."""

    requests: int
    delivered: int
    replays: int
    duplicates: int
    task_ids: frozenset[str]


class HookReceiver:
    """Loopback HTTP server: ``url(channel)`` is where a channel should post its alerts."""

    def __init__(self, policy: Policy = always_ok) -> None:
        self.policy = policy
        self.hits: list[Hit] = []
        self._attempts: Counter[tuple[str, str]] = Counter()
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                channel = self.path.strip("/").split("/")[0] or "webhook"
                headers = dict(self.headers)
                probe = Hit(time.time(), channel, headers, body, 0, 0)
                with receiver._cond:
                    receiver._attempts[(channel, probe.identity)] += 1
                    attempt = receiver._attempts[(channel, probe.identity)]
                answer = receiver.policy(channel, body, attempt)
                if answer.delay:
                    time.sleep(answer.delay)
                hit = Hit(time.time(), channel, headers, body, answer.status, attempt)
                with receiver._cond:
                    receiver.hits.append(hit)
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, channel: str = "webhook") -> str:
        return f"http://127.0.0.1:{self.port}/{channel}"

    def snapshot(self) -> list[Hit]:
        with self._cond:
            return list(self.hits)

    def delivered_pairs(self) -> set[tuple[str, str]]:
        """(channel, task id) of every alert answered 2xx."""
        return {(h.channel, h.task_id) for h in self.snapshot() if h.delivered}

    def wait_delivered(
        self, task_ids: set[str], channels: tuple[str, ...], timeout: float
    ) -> set[tuple[str, str]]:
        """Wait until each task's alert reached each channel; return the (channel, task) missing."""
        wanted = {(c, t) for c in channels for t in task_ids}
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                seen = {(h.channel, h.task_id) for h in self.hits if h.delivered}
                missing = wanted - seen
                remaining = deadline - time.monotonic()
                if not missing or remaining <= 0:
                    return missing
                self._cond.wait(min(remaining, 1.0))

    def deliveries(self) -> Deliveries:
        """Count effects: a 2xx per (channel, notification) is one alert, more are repeats.

        A repeat carrying the same ``Idempotency-Key`` is a *replay* a real receiver discards;
        a repeat without one, or the same assessment under a second key, is a *duplicate*.
        """
        hits = self.snapshot()
        per_identity: defaultdict[tuple[str, str], list[Hit]] = defaultdict(list)
        keys_per_assessment: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
        for h in hits:
            if not h.delivered:
                continue
            per_identity[(h.channel, h.identity)].append(h)
            if h.assessment_id and h.idempotency_key:
                keys_per_assessment[(h.channel, h.assessment_id)].add(h.idempotency_key)
        replays = duplicates = 0
        for group in per_identity.values():
            extra = len(group) - 1
            if group[0].idempotency_key:
                replays += extra
            else:
                duplicates += extra
        duplicates += sum(len(keys) - 1 for keys in keys_per_assessment.values())
        return Deliveries(
            requests=len(hits),
            delivered=len(per_identity),
            replays=replays,
            duplicates=duplicates,
            task_ids=frozenset(h.task_id for h in hits if h.delivered and h.task_id),
        )

    def __enter__(self) -> HookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
