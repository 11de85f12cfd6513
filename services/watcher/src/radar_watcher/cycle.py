"""One source's cycle: every catalog part once, page by page, resumable, paced and throttled.

A page is read from the catalog after the cycle's cursor, asked of the source in requests of
the size its API takes (each waiting for a request slot and the allowance), and recorded with
the cursor's new position in one transaction fenced by the lease. A crash or a restart resumes
after the last recorded page: no part is checked twice in a cycle, and at most the page in
flight is asked again.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import asyncpg
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from radar_watcher import metrics, records
from radar_watcher.catalog import CatalogPart, catalog_page, catalog_size
from radar_watcher.lease import Lease
from radar_watcher.schedule import page_due
from radar_watcher.sources import Enabled
from radar_watcher.sources.protocol import (
    Answer,
    QuotaExhausted,
    RateLimited,
    SourceError,
    SourceUnavailable,
    not_found,
)
from radar_watcher.throttle import Throttle, spend

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
# Transaction conflicts worth one more try of the same page.
_TRANSIENT_DB = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


@dataclass(frozen=True)
class Pacing:
    """How a cycle runs: spread over ``span_seconds`` (0: as fast as allowed), and whether a
    failing source waits ``error_backoff_seconds`` and tries again or gives up (by hand)."""

    span_seconds: float = 0.0
    error_backoff_seconds: float = 300.0
    give_up_on_error: bool = False
    page_parts: int = 100
    attempts: int = 5
    retry_max_seconds: float = 120.0


@dataclass(frozen=True)
class CycleReport:
    source: str
    cycle: int
    checked: int
    changes: int
    finished: bool


class SourceFailed(RuntimeError):
    """A source kept failing and the cycle was told to give up (``radar watch --once``)."""


def page_size(parts_per_request: int, page_parts: int) -> int:
    """Parts recorded together: whole requests, at least ``page_parts`` for 1-part APIs."""
    if parts_per_request >= page_parts:
        return parts_per_request
    return parts_per_request * math.ceil(page_parts / parts_per_request)


def _wait_for(fallback: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
    """Wait what a 429's Retry-After says, else back off exponentially."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited):
            return error.retry_after
        return fallback(state)

    return wait


class CycleRunner:
    def __init__(
        self,
        pool: asyncpg.Pool,
        lease: Lease,
        pacing: Pacing,
        on_changes: Callable[[], None] = lambda: None,
    ) -> None:
        self.pool = pool
        self.lease = lease
        self.pacing = pacing
        self.on_changes = on_changes
        self._retrying: dict[str, AsyncRetrying] = {}

    async def run(
        self, enabled: Enabled, throttle: Throttle, progress: Progress | None = None
    ) -> CycleReport:
        """Run the source's open cycle to its end, or a new one when none is open."""
        # One connection for the whole cycle: a pool round trip (and reset) per request would
        # cost more than the request's own work.
        async with self.pool.acquire() as conn:
            return await self._run(conn, enabled, throttle, progress)

    async def _run(
        self,
        conn: asyncpg.Connection,
        enabled: Enabled,
        throttle: Throttle,
        progress: Progress | None,
    ) -> CycleReport:
        source = enabled.source
        changed_only = bool(getattr(source, "changed_only", False))
        state = await records.cycle_state(conn, source.name)
        if not state.in_progress:
            total = await catalog_size(conn, changed_only=changed_only)
            async with conn.transaction():
                await self.lease.fence(conn)
                state = await records.start_cycle(conn, source.name, total)
        assert state.started_at is not None
        log.info(
            "%s cycle %d: %d of %d parts checked",
            source.name,
            state.cycle,
            state.checked,
            state.total,
        )
        size = page_size(source.parts_per_request, self.pacing.page_parts)
        span = self.pacing.span_seconds if enabled.remote else 0.0
        changes = 0
        metrics.CYCLE_TOTAL.labels(source.name).set(state.total)
        while True:
            metrics.CYCLE_PROGRESS.labels(source.name).set(state.checked)
            if progress is not None:
                progress(source.name, state.checked, state.total)
            due = page_due(state.started_at, state.checked, state.total, span)
            wait = (due - datetime.now(UTC)).total_seconds()
            if wait > 0:
                await asyncio.sleep(wait)
            page = await catalog_page(conn, state.cursor, size, changed_only=changed_only)
            if not page:
                async with conn.transaction():
                    await self.lease.fence(conn)
                    await records.finish_cycle(conn, source.name)
                log.info("%s cycle %d done: %d parts", source.name, state.cycle, state.checked)
                return CycleReport(source.name, state.cycle, state.checked, changes, True)
            asked, answer = await self._ask_until_answered(conn, enabled, throttle, page)
            changes += await self._record(conn, enabled, asked, answer)
            state = replace(state, cursor=asked[-1].mpn, checked=state.checked + len(asked))

    async def _record(
        self,
        conn: asyncpg.Connection,
        enabled: Enabled,
        page: Sequence[CatalogPart],
        answer: Answer,
    ) -> int:
        name = enabled.source.name
        for attempt in range(3):
            try:
                async with conn.transaction():
                    await self.lease.fence(conn)
                    found = await records.record_page(
                        conn, name, page, answer.observations, datetime.now(UTC)
                    )
                    await records.advance_cycle(conn, name, page[-1].mpn, len(page))
                    if answer.units or answer.quota_remaining is not None:
                        await spend(
                            conn, name, enabled.limits, answer.units, answer.quota_remaining
                        )
                break
            except _TRANSIENT_DB:
                if attempt == 2:
                    raise
        metrics.PARTS_CHECKED.labels(name).inc(len(page))
        for change in found:
            metrics.CHANGES_FOUND.labels(name, change.kind).inc()
        if found:
            self.on_changes()
        return len(found)

    async def _ask_until_answered(
        self,
        conn: asyncpg.Connection,
        enabled: Enabled,
        throttle: Throttle,
        page: Sequence[CatalogPart],
    ) -> tuple[Sequence[CatalogPart], Answer]:
        """The page (cut to what the allowance still permits) and its whole answer; waits out
        quotas and failures (or gives up, when told to)."""
        name = enabled.source.name
        while True:
            try:
                return await self._ask(conn, enabled, throttle, page)
            except SourceError as exc:
                metrics.API_ERRORS.labels(name, exc.kind).inc()
                await records.record_error(conn, name, str(exc))
                if self.pacing.give_up_on_error:
                    raise SourceFailed(str(exc)) from exc
                if isinstance(exc, QuotaExhausted):  # nothing left until the window resets
                    metrics.QUOTA_REMAINING.labels(name).set(0)
                    wait = max(1.0, (exc.until - datetime.now(UTC)).total_seconds())
                else:
                    wait = self.pacing.error_backoff_seconds
                log.warning("%s: %s; trying again in %.0f s", name, exc, wait)
                await asyncio.sleep(wait)

    async def _ask(
        self,
        conn: asyncpg.Connection,
        enabled: Enabled,
        throttle: Throttle,
        page: Sequence[CatalogPart],
    ) -> tuple[Sequence[CatalogPart], Answer]:
        source = enabled.source
        step = source.parts_per_request
        if enabled.remote:
            left = await throttle.check_allowance(conn)
            metrics.QUOTA_REMAINING.labels(source.name).set(-1 if left is None else left)
            if left is not None:
                # Spend no more than is left: the rest of the page waits for the next window.
                page = page[: max(1, left) * step]
        total = Answer([], requests=0, units=0)
        for start in range(0, len(page), step):
            answer = await self._request(enabled, throttle, page[start : start + step])
            total.observations += answer.observations
            total.requests += answer.requests
            total.units += answer.units
            if answer.quota_remaining is not None:
                total.quota_remaining = answer.quota_remaining
                metrics.QUOTA_REMAINING.labels(source.name).set(answer.quota_remaining)
        return page, _complete(total, page)

    async def _request(
        self, enabled: Enabled, throttle: Throttle, chunk: Sequence[CatalogPart]
    ) -> Answer:
        """One request, retried on 429 / 5xx / network errors (``attempts`` tries in all).

        The first try goes without tenacity: nearly every request succeeds at once, and a
        retry loop costs ~40 us a request, 4 s of a 100k-part cycle at one part a request.
        Waits: a 429's ``Retry-After``, else 1, 2, 4 ... seconds (at most ``retry_max``).
        """
        try:
            return await self._attempt(enabled, throttle, chunk)
        except (RateLimited, SourceUnavailable) as first:
            if self.pacing.attempts <= 1:
                raise
            wait = first.retry_after if isinstance(first, RateLimited) else 1.0
            await asyncio.sleep(min(wait, self.pacing.retry_max_seconds))
        name = enabled.source.name
        if name not in self._retrying:  # one policy per source: its cycle asks one at a time
            self._retrying[name] = AsyncRetrying(
                retry=retry_if_exception_type((RateLimited, SourceUnavailable)),
                # the tries after the first: backoff 2, 4, 8 ... seconds
                wait=_wait_for(wait_exponential(multiplier=2, max=self.pacing.retry_max_seconds)),
                stop=stop_after_attempt(self.pacing.attempts - 1),
                reraise=True,
            )
        async for attempt in self._retrying[name]:
            with attempt:
                return await self._attempt(enabled, throttle, chunk)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _attempt(
        self, enabled: Enabled, throttle: Throttle, chunk: Sequence[CatalogPart]
    ) -> Answer:
        name = enabled.source.name
        await throttle.request_slot()
        try:
            answer = await enabled.source.check(chunk)
        except SourceError as exc:
            metrics.API_REQUESTS.labels(name).inc()
            if isinstance(exc, RateLimited | SourceUnavailable):
                metrics.API_ERRORS.labels(name, exc.kind).inc()
            raise
        metrics.API_REQUESTS.labels(name).inc(answer.requests)
        return answer


def _complete(answer: Answer, page: Sequence[CatalogPart]) -> Answer:
    """One observation per part of the page, whatever the adapter returned."""
    seen = {o.mpn: o for o in answer.observations}
    answer.observations = [seen.get(p.mpn) or not_found(p) for p in page]
    return answer
