"""Task records in a JetStream key-value bucket, updated by compare-and-set.

Several services and replicas report progress on one task at once. Each update reads the
record with its revision, folds the report in (:meth:`Task.apply`) and writes it back only if
the revision is unchanged; on a conflict it re-reads and folds again. Because folding is
monotone (percent is a max, units are a set, terminal states are sticky) no report is lost and
percent never goes down, whatever the interleaving.

Within one process, reports on the same task are group-committed: while one write is in
flight, later reports queue up and the next write folds all of them at once. Only separate
processes (replicas, services) then race on a revision, which keeps conflicts few when a
replica handles many parts of one notice concurrently.

A write starts from the record as this process last wrote or was told it (:meth:`seed`: the
worker runtime passes the record along with the work, see ``radar_common.bus.runtime.hint``)
instead of reading it first; compare-and-set refuses a stale copy and the write then reads.
Cancellation is answered from a watched set (:mod:`radar_common.tasks.cancellations`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Collection
from datetime import datetime
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from radar_common import metrics
from radar_common.bus.buckets import ensure_bucket
from radar_common.tasks.cancellations import Cancellations, cancellations_bucket
from radar_common.tasks.model import Task, TaskState

log = logging.getLogger(__name__)
MAX_CAS_ATTEMPTS = 200
LAST_WRITTEN_CACHE_SIZE = 2048
DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600.0
_DELETED = ("DEL", "PURGE")
LIST_TIMEOUT_SECONDS = 30.0
# A change folded into a task record; returns False when it changes nothing.
TaskChange = Callable[[Task], bool]
_Queued = tuple[TaskChange, "asyncio.Future[Task]"]


class TaskNotFound(LookupError):
    """No task with that id (never accepted, or past retention)."""


async def set_bucket_ttl(js: JetStreamContext, bucket: str, ttl_seconds: float) -> None:
    """Change how long a bucket keeps an entry after its last write (no-op when equal)."""
    info = await js.stream_info(f"KV_{bucket}")
    if info.config.max_age is not None and abs(info.config.max_age - ttl_seconds) < 1e-3:
        return
    info.config.max_age = ttl_seconds
    await js.update_stream(info.config)
    log.info("task retention set to %.0fs", ttl_seconds)


class TaskStore:
    """Create, read, update, list and watch task records."""

    def __init__(self, kv: KeyValue, cancellations: Cancellations | None = None) -> None:
        self.kv = kv
        self.cancellations = cancellations
        # Per task: changes waiting for the next write, and the writer draining them.
        self._queued: dict[str, list[_Queued]] = {}
        self._writers: dict[str, asyncio.Task[None]] = {}
        # The record this process last wrote, per task: the next write starts from it instead
        # of reading first (a stage usually reports several times in a row on one task). If
        # another process wrote in between, compare-and-set refuses and we read after all.
        self._last_written: OrderedDict[str, tuple[bytes, int]] = OrderedDict()

    @classmethod
    async def open(
        cls, js: JetStreamContext, bucket: str, *, retention_seconds: float | None = None
    ) -> TaskStore:
        """Open (or create) the task bucket.

        Args:
            retention_seconds: how long a task is kept after its last change. Only the service
                that owns the setting (ingestion, ``RADAR_TASK_RETENTION_SECONDS``) passes it;
                the bucket is then created with, or updated to, that TTL. ``None`` keeps an
                existing bucket as it is (or creates it with the 30-day default).
        """
        ttl = DEFAULT_RETENTION_SECONDS if retention_seconds is None else retention_seconds
        kv = await ensure_bucket(js, bucket, ttl_seconds=ttl, history=1)
        cancellations = await Cancellations.open(js, bucket, ttl_seconds=ttl)
        if retention_seconds is not None:
            await set_bucket_ttl(js, bucket, retention_seconds)
            await set_bucket_ttl(js, cancellations_bucket(bucket), retention_seconds)
        return cls(kv, cancellations)

    async def create(self, task: Task) -> int:
        """Store a new task. Raises KeyWrongLastSequenceError if it exists.

        The record is remembered as this process's last write (see :meth:`last_known`).
        """
        data = task.model_dump_json().encode()
        revision = int(await self.kv.create(task.task_id, data))
        self._remember(task.task_id, data, revision)
        return revision

    async def get(self, task_id: str) -> Task:
        task, _ = await self._read(task_id)
        return task

    async def get_with_revision(self, task_id: str) -> tuple[Task, int]:
        return await self._read(task_id)

    async def _read(self, task_id: str) -> tuple[Task, int]:
        try:
            entry = await self.kv.get(task_id)
        except (KeyNotFoundError, ValueError) as exc:
            raise TaskNotFound(task_id) from exc
        if entry.value is None:
            raise TaskNotFound(task_id)
        return Task.model_validate_json(entry.value), int(entry.revision or 0)

    async def mutate(self, task_id: str, change: Callable[[Task], bool]) -> Task:
        """Apply ``change`` under compare-and-set; ``change`` returns False to write nothing.

        Returns the task as written (with every change folded in the same write).

        Raises:
            TaskNotFound: no such task. Whatever ``change`` raises.
        """
        done: asyncio.Future[Task] = asyncio.get_running_loop().create_future()
        self._queued.setdefault(task_id, []).append((change, done))
        if task_id not in self._writers:
            self._writers[task_id] = asyncio.create_task(self._drain(task_id))
        return await asyncio.shield(done)

    async def _drain(self, task_id: str) -> None:
        try:
            while batch := self._queued.pop(task_id, []):
                try:
                    task, errors = await self._write([change for change, _ in batch], task_id)
                except Exception as exc:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for i, (_, done) in enumerate(batch):
                    if not done.done():
                        if i in errors:
                            done.set_exception(errors[i])
                        else:
                            done.set_result(task)
        finally:
            del self._writers[task_id]

    async def _write(
        self, changes: list[Callable[[Task], bool]], task_id: str
    ) -> tuple[Task, dict[int, Exception]]:
        """Fold ``changes`` into the latest record and write it, retrying on conflicts.

        On a conflict (another process got in first) the record is read again and the changes
        folded into the newer state, after a short random pause that grows with the number of
        conflicts so that writers racing on one task spread out instead of colliding again.
        """
        for attempt in range(MAX_CAS_ATTEMPTS):
            cached = self._last_written.pop(task_id, None) if attempt == 0 else None
            if cached is not None:
                task, revision = Task.model_validate_json(cached[0]), cached[1]
            else:
                task, revision = await self._read(task_id)
            was_terminal = task.state.terminal
            changed = False
            errors: dict[int, Exception] = {}
            for i, change in enumerate(changes):
                try:
                    changed = change(task) or changed
                except Exception as exc:  # one bad report must not sink the others
                    errors[i] = exc
            if not changed:
                if cached is not None:
                    continue  # nothing to write on our last copy: answer from the real record
                return task, errors
            data = task.model_dump_json().encode()
            try:
                written = await self.kv.update(task_id, data, last=revision)
            except KeyWrongLastSequenceError:
                if cached is not None:
                    continue  # our copy was stale: read and fold again, no pause needed
                pause = min(0.05, 0.001 * 2 ** min(attempt, 6))
                await asyncio.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not secrets
                continue
            self._remember(task_id, data, int(written))
            if task.state.terminal and not was_terminal:
                metrics.TASKS_FINISHED.labels(task.state.value).inc()
                metrics.TASK_DURATION.labels(task.state.value).observe(
                    max(0.0, (task.updated_at - task.created_at).total_seconds())
                )
            return task, errors
        raise RuntimeError(f"task {task_id}: too many concurrent updates")

    def _remember(self, task_id: str, data: bytes, revision: int) -> None:
        self._last_written[task_id] = (data, revision)
        while len(self._last_written) > LAST_WRITTEN_CACHE_SIZE:
            self._last_written.popitem(last=False)

    def seed(self, task_id: str, data: bytes, revision: int) -> None:
        """Take ``data`` at ``revision`` as the record's latest state, unless a newer is known.

        A hint only: if it is stale, compare-and-set refuses the write and the store reads.
        """
        known = self._last_written.get(task_id)
        if known is None or known[1] < revision:
            self._remember(task_id, data, revision)

    def last_known(self, task_id: str) -> tuple[bytes, int] | None:
        """The record (JSON) and revision this process last wrote or was told, if any."""
        return self._last_written.get(task_id)

    def cached(self, task_id: str) -> Task | None:
        """The record as last written or told (see :meth:`seed`), without a round trip."""
        known = self._last_written.get(task_id)
        return Task.model_validate_json(known[0]) if known is not None else None

    async def apply(self, task_id: str, changes: Collection[TaskChange]) -> Task:
        """Fold every change in one write (the worker runtime's one write per message).

        A change that raises is logged and skipped; the others still land.
        """
        batch = list(changes)

        def fold(task: Task) -> bool:
            changed = False
            for change in batch:
                try:
                    changed = change(task) or changed
                except Exception:
                    log.exception("task %s: a report could not be folded in", task_id)
            return changed

        return await self.mutate(task_id, fold)

    # The runtime's hooks (radar_common.bus.worker.TaskHooks) --------------------------------
    async def report(
        self,
        task_id: str,
        step: str,
        state: str,
        *,
        unit: str = "",
        total_units: int = 0,
        message: str = "",
        error: str = "",
    ) -> None:
        await self.mutate(
            task_id,
            lambda t: t.apply(
                step, state, unit=unit, total_units=total_units, message=message, error=error
            ),
        )

    async def fail(self, task_id: str, step: str, reason: str) -> None:
        await self.mutate(task_id, lambda t: t.fail(step, reason))

    async def watch_cancellations(self) -> None:
        """Answer :meth:`is_cancelled` from a watched set from now on (workers call this)."""
        if self.cancellations is not None:
            await self.cancellations.watch()

    async def is_cancelled(self, task_id: str) -> bool:
        """From the watched set when watching (no round trip), else by reading the record."""
        known = self.cancellations.known(task_id) if self.cancellations else None
        if known is not None:
            return known
        try:
            task = await self.get(task_id)
        except TaskNotFound:
            return False
        return task.state is TaskState.CANCELLED

    async def cancel(self, task_id: str) -> Task:
        """Cancel a task; the answer's state says whether it was already finished."""
        task = await self.mutate(task_id, lambda t: t.cancel())
        if task.state is TaskState.CANCELLED and self.cancellations is not None:
            await self.cancellations.mark(task_id)
        return task

    async def close(self) -> None:
        """Stop watching cancellations."""
        if self.cancellations is not None:
            await self.cancellations.close()

    async def list(
        self,
        *,
        states: Collection[TaskState] = (),
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[Task]:
        """Tasks (newest first) in one of ``states``, created at or after ``since``.

        Reads the latest record of every task in the bucket in one ordered stream: fine for the
        tens of thousands a retention period holds, not an index (see docs/tasks.md).
        """
        found: list[Task] = []
        if (await self.kv.status()).values == 0:
            return found
        # The end of the current values is the entry with nothing pending after it (the
        # watcher's own end marker can arrive before the entries when the server is quick).
        watcher = await self.kv.watchall()
        try:
            async with asyncio.timeout(LIST_TIMEOUT_SECONDS):
                async for entry in watcher:
                    if entry is None:
                        continue
                    if entry.value and entry.operation not in _DELETED:
                        task = Task.model_validate_json(entry.value)
                        if (not states or task.state in states) and (
                            since is None or task.created_at >= since
                        ):
                            found.append(task)
                    if not entry.delta:
                        break
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]
        found.sort(key=lambda t: t.created_at, reverse=True)
        return found[:limit]

    async def reopen(self, task_id: str, note: str) -> Task:
        """FAILED back to RUNNING, for a replayed dead letter (no-op in any other state)."""
        return await self.mutate(task_id, lambda t: t.reopen(note))

    async def add_result(self, task_id: str, kind: str, item: dict[str, Any], key: str) -> None:
        await self.mutate(task_id, lambda t: t.add_result(kind, item, key))

    async def watch(self, task_id: str) -> AsyncIterator[tuple[Task, int]]:
        """Yield (task, revision) for the current state and every later change, in order.

        Revisions only grow; ends when the record is deleted or expires.
        """
        watcher = await self.kv.watch(task_id)
        try:
            async for entry in watcher:
                if entry is None:
                    continue
                if entry.operation in _DELETED:
                    return
                if not entry.value:
                    continue
                yield Task.model_validate_json(entry.value), int(entry.revision or 0)
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]
