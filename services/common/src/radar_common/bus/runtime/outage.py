"""Telling "a backing service is down" from "this input failed", and waiting the former out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from radar_common import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")

OUTAGE_WAIT_BASE_SECONDS = 0.1
OUTAGE_WAIT_MAX_SECONDS = 5.0
# PostgreSQL error classes that mean "the server is going away or not accepting yet".
_PG_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.InterfaceError,  # e.g. the connection was closed under us
)


def dependency_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says a backing service is unreachable now, not that the input is bad.

    Connection refusals/resets and PostgreSQL's shutdown and connection errors qualify; plain
    timeouts do not (they stay ordinary transient failures, bounded by the deliveries).
    """
    if isinstance(exc, TimeoutError):
        return False
    if isinstance(exc, (ConnectionError, *_PG_UNAVAILABLE)):
        return True
    # asyncpg raises a bare OSError ("Multiple exceptions: [Errno 111] ...") when every
    # address of the host refuses.
    return type(exc) is OSError


async def through_outages(
    call: Callable[[], Awaitable[T]],
    *,
    stage: str,
    first_wait: Callable[[BaseException], Awaitable[None]],
) -> T:
    """``call()``; while a dependency is unreachable, wait (growing pauses) and call again.

    An outage of PostgreSQL (or another backing service) says nothing about the message, so it
    must not use up its deliveries and land good work in the dead-letter stream. The caller
    bounds the wait (the step timeout); handlers are idempotent, so calling one again is safe.
    ``first_wait`` is told once, at the first wait (the runtime reports the task retrying).
    """
    waits = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            if not dependency_unavailable(exc):
                raise
            waits += 1
            delay = min(OUTAGE_WAIT_MAX_SECONDS, OUTAGE_WAIT_BASE_SECONDS * 2 ** min(waits, 8))
            metrics.MESSAGES_FAILED.labels(stage, "unavailable").inc()
            log.warning(
                "%s: a dependency is unreachable (%r); waiting %.1fs, attempt %d",
                stage,
                exc,
                delay,
                waits,
            )
            if waits == 1:
                await first_wait(exc)
            await asyncio.sleep(delay)
