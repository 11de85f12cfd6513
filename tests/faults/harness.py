"""The fault-injection harness: a real pipeline, a client that streams notices, the ledger.

Everything is observed from outside, as an operator would: 202 answers and task ids from the
API, task states from ``GET /v1/tasks/{id}``, alerts at the loopback receiver, dead letters in
the JetStream stream. The services under test are real subprocesses (``radar_cli.stack``).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from radar_cli.infra import free_port
from radar_cli.stack import SERVICES, ServiceProcess, Stack
from tests.faults.hooks import Deliveries, HookReceiver

API_KEY = "fault-key-0123456789abcdef"
TERMINAL = ("SUCCESS", "FAILED", "CANCELLED")
# Faster redelivery after a SIGKILL than production's 30 s, so the suite stays short.
FAULT_ENV = {
    "RADAR_API_KEYS": API_KEY,
    "RADAR_ACK_WAIT_SECONDS": "5",
    "RADAR_LOG_LEVEL": "INFO",
    "OTEL_SDK_DISABLED": "true",
    # Production rate limits (Slack: 1 per second) would make a 500-notice run take minutes;
    # the limiter itself is the notifier's own tests' business.
    **{
        f"RADAR_{c}_{k}": "100000"
        for c in ("SLACK", "TEAMS", "WEBHOOK")
        for k in ("RATE_PER_SECOND", "BURST")
    },
}
# Every assessment to every channel: without BOM data most are "info", which the default
# routing records but sends nowhere.
ROUTE_EVERYTHING = """routes:
  - name: everything
    min_severity: info
    channels: [{channels}]
"""


def fault_events(default: int = 200) -> int:
    """How many notices a fault scenario streams: ``RADAR_FAULT_EVENTS`` (CI 200, full 500)."""
    try:
        return max(10, int(os.environ.get("RADAR_FAULT_EVENTS", default)))
    except ValueError:
        return default


def notifier_channels() -> tuple[str, ...]:
    """Channels the notifier can post to today: Slack/Teams once it has them, always webhook."""
    from radar_notifier.settings import NotifierSettings

    fields = NotifierSettings.model_fields
    return (*tuple(c for c in ("slack", "teams") if f"{c}_webhook_url" in fields), "webhook")


def channel_env(receiver: HookReceiver, channels: tuple[str, ...]) -> dict[str, str]:
    return {
        ("RADAR_WEBHOOK_URL" if c == "webhook" else f"RADAR_{c.upper()}_WEBHOOK_URL"): (
            receiver.url(c)
        )
        for c in channels
    }


@dataclass
class Attempt:
    """One POST as the client saw it."""

    key: str
    sent_at: float
    answered_at: float
    status: int  # 0: no answer (connection refused, reset, timeout)


@dataclass
class Sender:
    """Streams notices at a steady rate in a thread; retries refusals with the same key.

    A real sender retries a 503 or a dropped connection with the same Idempotency-Key; the
    ledger keeps every attempt and the task id of every 202.
    """

    api_url: str
    count: int
    rate: float
    prefix: str = "F"
    marker: Any = None  # marker(i) -> str put in the MPN, to steer the receiver's policy
    give_up_after: float = 90.0
    attempts: list[Attempt] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)  # key -> task id
    _thread: threading.Thread | None = None

    def body(self, i: int) -> dict[str, Any]:
        tag = self.marker(i) if self.marker else ""
        return {
            "source": "siliconexpert",
            "raw_data": {
                "mpn": f"{self.prefix}{tag}{i:05d}",
                "manufacturer": "Texas Instruments",
                "lifecycle_status": "EOL",
            },
        }

    def start(self) -> Sender:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float = 300.0) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "sender did not finish"

    def _run(self) -> None:
        started = time.monotonic()
        with httpx.Client(headers={"X-API-Key": API_KEY}, timeout=10.0) as client:
            for i in range(self.count):
                pause = started + i / self.rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                self._send(client, i)

    def _send(self, client: httpx.Client, i: int) -> None:
        key = f"{self.prefix}-{i}"
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            sent = time.time()
            try:
                r = client.post(
                    f"{self.api_url}/v1/events/ingest",
                    json=self.body(i),
                    headers={"Idempotency-Key": key},
                )
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            self.attempts.append(Attempt(key, sent, time.time(), status))
            if status == 202:
                self.accepted[key] = r.json()["task_id"]
                return
            if 400 <= status < 500:
                return  # the client's fault: not accepted, not retried
            time.sleep(0.25)


def wait_terminal(api_url: str, task_ids: set[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Poll every task until it is terminal or ``timeout`` passes; return the last views."""
    views: dict[str, dict[str, Any]] = {}
    pending = set(task_ids)
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=api_url, headers={"X-API-Key": API_KEY}, timeout=5.0) as api:
        while pending and time.monotonic() < deadline:
            for task_id in sorted(pending):
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    r = api.get(f"/v1/tasks/{task_id}")
                    if r.status_code == 200:
                        views[task_id] = r.json()
                        if views[task_id]["state"] in TERMINAL:
                            pending.discard(task_id)
            if pending:
                time.sleep(0.5)
    return views


@dataclass
class Accounting:
    """accepted = succeeded + failed + cancelled (+ unfinished, which must be 0)."""

    scenario: str
    accepted: int
    succeeded: int
    failed: Counter[str]
    cancelled: int
    unfinished: int
    deliveries: Deliveries
    seconds: float

    @classmethod
    def of(
        cls,
        scenario: str,
        accepted: set[str],
        views: dict[str, dict[str, Any]],
        deliveries: Deliveries,
        seconds: float,
    ) -> Accounting:
        states = Counter(views.get(t, {}).get("state", "UNKNOWN") for t in accepted)
        failed: Counter[str] = Counter(
            _reason(views[t].get("error_message") or "")
            for t in accepted
            if views.get(t, {}).get("state") == "FAILED"
        )
        return cls(
            scenario=scenario,
            accepted=len(accepted),
            succeeded=states["SUCCESS"],
            failed=failed,
            cancelled=states["CANCELLED"],
            unfinished=len(accepted) - sum(states[s] for s in TERMINAL),
            deliveries=deliveries,
            seconds=seconds,
        )

    @property
    def balanced(self) -> bool:
        total = self.succeeded + sum(self.failed.values()) + self.cancelled
        return self.unfinished == 0 and total == self.accepted

    def table(self) -> str:
        d = self.deliveries
        rows = [
            f"{self.scenario} ({self.seconds:.0f} s)",
            f"  accepted (202)     {self.accepted:6d}",
            f"  succeeded          {self.succeeded:6d}",
            f"  failed             {sum(self.failed.values()):6d}",
            *(f"    {n:5d} x {reason}" for reason, n in self.failed.most_common()),
            f"  cancelled          {self.cancelled:6d}",
            f"  unfinished         {self.unfinished:6d}",
            f"  balanced           {'yes' if self.balanced else 'NO'}",
            f"  alerts delivered   {d.delivered:6d}  (requests {d.requests})",
            f"  replays (same key) {d.replays:6d}",
            f"  duplicates         {d.duplicates:6d}",
        ]
        return "\n".join(rows)


def _reason(message: str) -> str:
    """A failure reason without ids, URLs and numbers of attempts, so that equal reasons group."""
    if not message:
        return "(no reason given)"
    message = re.sub(r"https?://\S+|[0-9a-f]{16,}", "…", message)
    return message[:100]


# Tables of the session, printed at the end by tests/faults/conftest.py.
LEDGERS: list[Accounting] = []


@dataclass
class Pipeline:
    """The four services (and any extra worker replicas) against one NATS and PostgreSQL."""

    nats_url: str
    database_url: str
    log_dir: Path
    env: dict[str, str]
    stack: Stack = field(init=False)
    replicas: list[ServiceProcess] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stack = Stack(
            nats_url=self.nats_url,
            database_url=self.database_url,
            log_dir=self.log_dir,
            extra_env={**FAULT_ENV, **self.env},
        )

    @property
    def api_url(self) -> str:
        return self.stack.api_url

    def start(self) -> Pipeline:
        self.stack.start()
        return self

    def add_replica(self, name: str) -> ServiceProcess:
        """Start one more process of a worker, on its own ops port, same consumer."""
        module = dict(SERVICES)[name]
        port = free_port()
        n = len(self.replicas) + 2
        svc = ServiceProcess(
            name,
            module,
            port,
            self.stack.env_for(name, port),
            self.log_dir / f"{name}-{n}.log",
        )
        svc.start()
        self.replicas.append(svc)
        deadline = time.monotonic() + 60
        while not svc.ready():
            assert svc.alive(), svc.log_path.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"replica {name}-{n} not ready"
            time.sleep(0.1)
        return svc

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))

    def close(self) -> None:
        for svc in self.replicas:
            with contextlib.suppress(Exception):
                svc.stop()
        self.stack.stop_all()


@dataclass(frozen=True)
class Outcome:
    """The ledger of a scenario, the last view of every task, the alerts that never came."""

    ledger: Accounting
    views: dict[str, dict[str, Any]]
    missing: set[tuple[str, str]]

    def assert_nothing_lost(self) -> None:
        """Every accepted notice succeeded and alerted each channel exactly once."""
        table = self.ledger.table()
        assert self.ledger.balanced, table
        assert self.ledger.succeeded == self.ledger.accepted, table
        assert not self.missing, f"{len(self.missing)} (channel, task) alerts missing\n{table}"
        assert self.ledger.deliveries.duplicates == 0, table


def settle(
    scenario: str,
    api_url: str,
    receiver: HookReceiver,
    accepted: set[str],
    started: float,
    timeout: float = 150.0,
) -> Outcome:
    """Wait for every task to end and its alerts to arrive; record and print the ledger."""
    views = wait_terminal(api_url, accepted, timeout=timeout)
    succeeded = {t for t in accepted if views.get(t, {}).get("state") == "SUCCESS"}
    missing = receiver.wait_delivered(succeeded, notifier_channels(), timeout=15)
    ledger = Accounting.of(
        scenario, accepted, views, receiver.deliveries(), time.monotonic() - started
    )
    LEDGERS.append(ledger)
    print(ledger.table())
    return Outcome(ledger, views, missing)
