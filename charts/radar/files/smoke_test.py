"""helm test: post one event to the ingestion API and wait until its task succeeds.

Runs inside the ingestion image with the standard library only. Environment:
RADAR_API_URL, RADAR_API_KEYS (the first key is used: it needs the ingest and read scopes),
RADAR_TEST_SOURCE,
RADAR_TEST_TIMEOUT_SECONDS, RADAR_TEST_POLL_SECONDS. A 4xx answer fails at once (it cannot
get better); connection errors, 429 and 5xx are retried until the timeout.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

API = os.environ["RADAR_API_URL"].rstrip("/")
# "key:ingest,read;key2:admin" or, without scopes, "key,key2": the first key either way.
KEY = os.environ.get("RADAR_API_KEYS", "").split(";")[0].split(":")[0].split(",")[0].strip()
SOURCE = os.environ.get("RADAR_TEST_SOURCE", "helm-test")
DEADLINE = time.monotonic() + float(os.environ.get("RADAR_TEST_TIMEOUT_SECONDS", "180"))
POLL = float(os.environ.get("RADAR_TEST_POLL_SECONDS", "2"))
TERMINAL_FAILURES = {"FAILED", "CANCELLED"}


def give_up_on_client_errors(exc: Exception) -> None:
    if isinstance(exc, urllib.error.HTTPError) and exc.code < 500 and exc.code != 429:
        sys.exit(f"{exc.code} from {exc.url}: {exc.read()[:500]!r}")


def call(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    if not API.startswith(("http://", "https://")):
        sys.exit(f"RADAR_API_URL must be http(s): {API}")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{API}{path}", data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("X-API-Key", KEY)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read() or b"{}")
        return answer


def main() -> None:
    run = uuid.uuid4().hex
    event = {
        "source": SOURCE,
        "idempotency_key": f"helm-test-{run}",
        "raw_data": {
            "PCNNumber": f"HELM-TEST-{run[:8]}",
            "TypeOfChange": "EOL",
            "AffectedProductName": "LM358DR",
            "Manufacturer": "Texas Instruments",
            "NotificationDate": "2024-09-20",
            "LastTimeBuyDate": "2025-03-20",
        },
    }
    while True:
        try:
            accepted = call("POST", "/v1/events/ingest", event)
            break
        except (urllib.error.URLError, OSError) as exc:
            give_up_on_client_errors(exc)
            if time.monotonic() > DEADLINE:
                sys.exit(f"ingest failed: {exc}")
            time.sleep(POLL)
    task_id = accepted["task_id"]
    print(f"accepted: task {task_id}", flush=True)
    state = ""
    task: dict[str, Any] = {}
    while time.monotonic() < DEADLINE:
        try:
            task = call("GET", f"/v1/tasks/{task_id}")
            state = str(task.get("state", ""))
        except (urllib.error.URLError, OSError) as exc:
            give_up_on_client_errors(exc)
            print(f"task poll: {exc}", flush=True)
        if state == "SUCCESS":
            print(f"task {task_id}: SUCCESS", flush=True)
            return
        if state in TERMINAL_FAILURES:
            sys.exit(f"task {task_id} ended {state}: {json.dumps(task)}")
        time.sleep(POLL)
    sys.exit(f"task {task_id} still {state or 'unknown'} after the timeout")


main()
