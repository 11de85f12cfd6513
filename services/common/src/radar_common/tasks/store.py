"""Task records in a JetStream key-value bucket, updated by compare-and-set.

Several services and replicas report progress on one task at once. Each update reads the
record with its revision, folds the report in (:meth:`Task.apply`) and writes it back only if
the revision is unchanged; on a conflict it re-reads and folds again. Because folding is
monotone (percent is a max, units are a set, terminal states are sticky) no report is lost and
percent never goes down, whatever the interleaving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from nats.js import JetStreamContext
from nats.js import api as js_api
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from radar_common import metrics
from radar_common.tasks.model import Task

log = logging.getLogger(__name__)
MAX_CAS_ATTEMPTS = 100


class TaskNotFound(LookupError):
    """No task with that id (never accepted, or past retention)."""


async def ensure_bucket(
    js: JetStreamContext, bucket: str, *, ttl_seconds: float, history: int = 1
) -> KeyValue:
    """Open a key-value bucket, creating it on first use (idempotent across replicas)."""
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        config = js_api.KeyValueConfig(
            bucket=bucket,
            history=history,
            ttl=ttl_seconds,
            storage=js_api.StorageType.FILE,
        )
        try:
            return await js.create_key_value(config)
        except Exception:  # created concurrently by another replica
            return await js.key_value(bucket)


class TaskStore:
    """Create, read, update and watch task records."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    @classmethod
    async def open(
        cls, js: JetStreamContext, bucket: str, *, retention_seconds: float = 30 * 24 * 3600
    ) -> TaskStore:
        return cls(await ensure_bucket(js, bucket, ttl_seconds=retention_seconds, history=1))

    async def create(self, task: Task) -> int:
        """Store a new task. Raises KeyWrongLastSequenceError if it exists."""
        return int(await self.kv.create(task.task_id, task.model_dump_json().encode()))

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
        """Apply ``change`` under compare-and-set; ``change`` returns False to write nothing."""
        for _ in range(MAX_CAS_ATTEMPTS):
            task, revision = await self._read(task_id)
            was_terminal = task.state.terminal
            if not change(task):
                return task
            try:
                await self.kv.update(task_id, task.model_dump_json().encode(), last=revision)
            except KeyWrongLastSequenceError:
                await asyncio.sleep(0)
                continue
            if task.state.terminal and not was_terminal:
                metrics.TASKS_FINISHED.labels(task.state.value).inc()
            return task
        raise RuntimeError(f"task {task_id}: too many concurrent updates")

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

    async def is_cancelled(self, task_id: str) -> bool:
        try:
            task = await self.get(task_id)
        except TaskNotFound:
            return False
        return task.state.value == "CANCELLED"

    async def cancel(self, task_id: str) -> Task:
        return await self.mutate(task_id, lambda t: t.cancel())

    async def add_result(self, task_id: str, kind: str, item: dict[str, Any], key: str) -> None:
        await self.mutate(task_id, lambda t: t.add_result(kind, item, key))

    async def watch(self, task_id: str) -> AsyncIterator[tuple[Task, int]]:
        """Yield (task, revision) for the current state and every later change."""
        watcher = await self.kv.watch(task_id)
        try:
            async for entry in watcher:
                if entry is None or entry.value is None:
                    continue
                yield Task.model_validate_json(entry.value), int(entry.revision or 0)
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]
