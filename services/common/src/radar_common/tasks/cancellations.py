"""The set of cancelled tasks, watched instead of read: cancellation checks cost no round trip.

Cancelling a task writes the task record (``CANCELLED``) and then a marker under the task's id
in a small bucket of its own (``<tasks bucket>_cancelled``). Every worker process watches that
bucket: the watch first delivers every marker already there, then each new one as it is
written, so "is this task cancelled?" is a look-up in a local set between sub-steps. Nothing
else is written to the bucket, so the watch costs no message per event — unlike watching the
task bucket itself, which every progress write would reach.

A marker can reach a replica a few milliseconds after the cancel returned; the runtime's one
task write per message still sees the record's ``CANCELLED`` state and drops the outputs, so a
check that raced the marker costs at most the sub-steps of one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from radar_common.bus.buckets import ensure_bucket

log = logging.getLogger(__name__)
_DELETED = ("DEL", "PURGE")
MARKER = b"cancelled"
# How long to wait for the markers already stored before serving checks from the set.
INITIAL_SYNC_SECONDS = 10.0


def cancellations_bucket(tasks_bucket: str) -> str:
    return f"{tasks_bucket}_cancelled"


class Cancellations:
    """Markers of cancelled tasks: written on cancel, watched by the workers."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv
        self._known: set[str] = set()
        self._watching: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()

    @classmethod
    async def open(
        cls, js: JetStreamContext, tasks_bucket: str, *, ttl_seconds: float
    ) -> Cancellations:
        kv = await ensure_bucket(js, cancellations_bucket(tasks_bucket), ttl_seconds=ttl_seconds)
        return cls(kv)

    async def mark(self, task_id: str) -> None:
        """Record that ``task_id`` is cancelled (after its record says so)."""
        self._known.add(task_id)
        await self.kv.put(task_id, MARKER)

    def known(self, task_id: str) -> bool | None:
        """True/False from the watched set; None while this process is not watching (yet)."""
        if task_id in self._known:
            return True
        return False if self._synced.is_set() else None

    async def watch(self) -> None:
        """Start following the markers (idempotent); returns once the stored ones are known."""
        if self._watching is None:
            self._watching = asyncio.create_task(self._follow(), name="cancellations")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._synced.wait(), INITIAL_SYNC_SECONDS)

    async def close(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
            await asyncio.wait([self._watching])
            self._watching = None
        self._synced.clear()

    async def _follow(self) -> None:
        while True:
            try:
                watcher = await self.kv.watchall()
                try:
                    async for entry in watcher:
                        if entry is None:  # the stored markers are all delivered
                            self._synced.set()
                            continue
                        if entry.operation not in _DELETED:
                            self._known.add(entry.key)
                        if not entry.delta:
                            self._synced.set()
                finally:
                    with contextlib.suppress(Exception):
                        await watcher.stop()  # type: ignore[no-untyped-call]
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS restarting: the checks fall back to reads
                self._synced.clear()
                log.warning("watching cancellations failed, again in 1 s: %r", exc)
                await asyncio.sleep(1.0)
