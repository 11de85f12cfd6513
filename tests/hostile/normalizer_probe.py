"""Run the normalizer's entry point on hostile cases, one forked child per case.

``python -m tests.hostile.normalizer_probe [case ...]`` prints one JSON line per case: the
outcome (``notices:N``, ``permanent:<reason>``, ``error:<exception>``, ``killed:<signal>``,
``timeout``), the seconds it took and the child's peak memory above the parent's. Each child
gets an address-space limit and an alarm, so a bomb that a parser expands kills only it.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from radar_common.bus.worker import PermanentError
from radar_common.contracts import NormalizedNotice, RawEvent
from tests.hostile.corpus import CASES

TIME_LIMIT_SECONDS = int(os.environ.get("RADAR_PROBE_SECONDS", "20"))
HEADROOM_BYTES = 1536 * 1024 * 1024


def entry_point() -> Callable[[RawEvent], list[NormalizedNotice]]:
    """The function the normalizer's handler calls (wherever it lives this week)."""
    from radar_normalizer import extract, handler

    found: Callable[[RawEvent], list[NormalizedNotice]] = getattr(
        handler, "extract_notices", extract.extract_notices
    )
    return found


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(name: str, extract: Callable[[RawEvent], list[NormalizedNotice]], out: int) -> None:
    try:
        event = CASES[name]()  # built before the limits: the input is not the parser's fault
        limit = _vm_bytes() + HEADROOM_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.alarm(TIME_LIMIT_SECONDS)
        started = time.perf_counter()
        try:
            outcome = f"notices:{len(extract(event))}"
        except PermanentError as exc:
            outcome = f"permanent:{str(exc)[:200]}"
        except BaseException as exc:  # a crash is exactly what the probe reports
            outcome = f"error:{exc!r}"[:300]
        seconds = time.perf_counter() - started
        os.write(out, json.dumps({"outcome": outcome, "seconds": seconds}).encode())
    finally:
        os._exit(0)  # never return into the parent's loop


def probe(name: str, extract: Callable[[RawEvent], list[NormalizedNotice]]) -> dict[str, Any]:
    """Run one case in a forked child; report its outcome, time and peak memory."""
    base = _rss_bytes()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _child(name, extract, write)
    os.close(write)
    started = time.perf_counter()
    _, status, usage = os.wait4(pid, 0)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    result: dict[str, Any] = {"case": name, "peak_mb": max(0, usage.ru_maxrss * 1024 - base) >> 20}
    if data:
        result.update(json.loads(data))
    elif os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
        result.update(outcome="timeout", seconds=time.perf_counter() - started)
    else:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        result.update(outcome=f"killed:{sig}", seconds=time.perf_counter() - started)
    return result


def main(names: list[str]) -> None:
    extract = entry_point()
    for name in names or list(CASES):
        print(json.dumps(probe(name, extract)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
