"""What a handler may know and do about the message in hand.

Progress reports and results are buffered here and written to the task record once, by the
runtime, just before the message is acked (together with a failure or a "retrying" note when
the message fails): one task write per stage and message instead of one per report. A handler
that runs long (an LLM, a channel being retried) still shows progress: a report made at least
``flush_after`` seconds after the last write is written at once, with what was buffered.
Cancellation is read from the watched set of cancelled tasks (no round trip).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from radar_common.bus.runtime.delivery import Delivery
from radar_common.tasks import REPORT_STATES, Task, TaskNotFound, TaskStore
from radar_common.tasks.model import STEP_NAMES
from radar_common.tasks.store import TaskChange

log = logging.getLogger(__name__)
# A report this long after the last task write is written at once (long-running steps).
DEFAULT_FLUSH_AFTER_SECONDS = 1.0


async def _no_heartbeat() -> None:
    return None


@dataclass
class MessageContext:
    """The delivery in hand, its task, and the buffered reports on that task."""

    stage: str
    step: str
    delivery: Delivery
    last_attempt: bool
    tasks: TaskStore | None = None
    in_progress: Callable[[], Awaitable[None]] = _no_heartbeat
    flush_after: float = DEFAULT_FLUSH_AFTER_SECONDS
    # The step the handler last reported on: where a timeout or dead letter is recorded.
    last_step: str = ""
    _pending: list[TaskChange] = field(default_factory=list, repr=False)
    _flushed_at: float = field(default_factory=time.monotonic, repr=False)

    @property
    def task_id(self) -> str:
        return self.delivery.task_id

    @property
    def trace_id(self) -> str:
        return self.delivery.trace_id

    @property
    def deliveries(self) -> int:
        return self.delivery.num_delivered

    @property
    def accepted_at(self) -> float | None:
        return self.delivery.accepted_at

    @property
    def tracked(self) -> bool:
        """True when the message belongs to a task this process can report on."""
        return self.tasks is not None and bool(self.task_id)

    async def heartbeat(self) -> None:
        """Tell JetStream the message is still being worked on (resets ack_wait)."""
        await self.in_progress()

    async def cancelled(self) -> bool:
        """True when a caller cancelled the task; check between sub-steps and stop."""
        return (
            self.tasks is not None
            and bool(self.task_id)
            and (await self.tasks.is_cancelled(self.task_id))
        )

    async def progress(
        self,
        state: str,
        *,
        step: str | None = None,
        unit: str = "",
        total_units: int = 0,
        message: str = "",
    ) -> None:
        """Report progress of a (sub-)step of this task (states: tasks.REPORT_STATES).

        Raises:
            ValueError: an unknown state; KeyError: an unknown step (as folding would).
        """
        name = step or self.step
        if state not in REPORT_STATES:
            raise ValueError(f"unknown report state {state!r}; use one of {REPORT_STATES}")
        if name not in STEP_NAMES:
            raise KeyError(f"unknown step {name!r}; steps are {', '.join(STEP_NAMES)}")
        self.last_step = name
        self._buffer(
            lambda t: t.apply(name, state, unit=unit, total_units=total_units, message=message)
        )
        if time.monotonic() - self._flushed_at >= self.flush_after:
            await self.flush()

    async def add_result(self, kind: str, item: dict[str, Any], key: str) -> None:
        """Attach a result (notice, assessment or notification summary) to the task."""
        self._buffer(lambda t: t.add_result(kind, item, key))

    def _buffer(self, change: TaskChange) -> None:
        if self.tracked:
            self._pending.append(change)

    async def flush(self, *more: TaskChange) -> Task | None:
        """Write what is buffered (and ``more``) in one task write; the task as written.

        None when nothing was written: no task, nothing to write, or the task is gone.
        """
        self._flushed_at = time.monotonic()
        changes = [*self._pending, *(c for c in more if self.tracked)]
        self._pending.clear()
        if not changes or self.tasks is None:
            return None
        try:
            return await self.tasks.apply(self.task_id, changes)
        except TaskNotFound:
            log.info("task %s is gone (expired?); its reports are dropped", self.task_id)
            return None

    def step_in_hand(self) -> str:
        """The sub-step a failure now would be recorded against."""
        return self.last_step or self.step
