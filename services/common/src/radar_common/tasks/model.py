"""The task record and how progress reports fold into it.

Folding is a pure function of (task, report) so that it can be re-applied after a lost
compare-and-set race: percent never goes backwards, a unit reported twice counts once, and a
terminal state is never left.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

# (step, weight); weights sum to 100. Steps that loop over the parts of a notice report one
# unit per part, so a notice naming 12 parts moves by weight/12 per part.
STEPS: tuple[tuple[str, int], ...] = (
    ("accepted", 5),
    ("normalize", 15),
    ("match", 15),
    ("assess", 25),
    ("persist", 10),
    ("notify", 30),
)
STEP_NAMES = tuple(name for name, _ in STEPS)
LOG_LINES_PER_STEP = 20
# What a service may report about a step: it started or is still working ("running"), it is
# waiting for a redelivery after a transient failure ("retrying"), it (or one unit of it) is
# finished ("done", "skipped"), or it failed for good ("failed", which fails the task).
REPORT_STATES = ("running", "retrying", "done", "skipped", "failed")


class TaskState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def terminal(self) -> bool:
        return self in (TaskState.SUCCESS, TaskState.FAILED, TaskState.CANCELLED)


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


def now() -> datetime:
    return datetime.now(UTC)


class Step(BaseModel):
    name: str
    weight: int
    state: StepState = StepState.PENDING
    started_at: datetime | None = None
    finished_at: datetime | None = None
    total_units: int = 0
    units_done: list[str] = Field(default_factory=list)
    log: list[str] = Field(default_factory=list)

    def fraction(self) -> float:
        if self.state in (StepState.DONE, StepState.SKIPPED):
            return 1.0
        if self.total_units > 0:
            return min(1.0, len(self.units_done) / self.total_units)
        return 0.0

    def add_log(self, line: str) -> None:
        stamp = now().strftime("%H:%M:%S.%f")[:-3]
        self.log.append(f"{stamp} {line}")
        del self.log[:-LOG_LINES_PER_STEP]


class TaskResult(BaseModel):
    notices: list[dict[str, Any]] = Field(default_factory=list)
    assessments: list[dict[str, Any]] = Field(default_factory=list)
    notifications: list[dict[str, Any]] = Field(default_factory=list)


class Task(BaseModel):
    """What ``GET /v1/tasks/{task_id}`` answers."""

    task_id: str
    trace_id: str
    state: TaskState = TaskState.QUEUED
    percent: int = 0
    current_step: str | None = None
    steps: list[Step] = Field(default_factory=list)
    error_message: str | None = None
    result: TaskResult = Field(default_factory=TaskResult)
    source: str = ""
    format: str = ""
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)

    @classmethod
    def new(cls, task_id: str, trace_id: str, *, source: str = "", format: str = "") -> Task:
        """A task for an event being accepted, with its ``accepted`` step already done.

        The 202 answer describes the instant of acceptance (``QUEUED``, percent 0); the stored
        record already counts the ``accepted`` step, so the first GET shows percent 5.
        """
        task = cls(
            task_id=task_id,
            trace_id=trace_id,
            source=source,
            format=format,
            steps=[Step(name=n, weight=w) for n, w in STEPS],
        )
        accepted = task.step("accepted")
        accepted.state = StepState.DONE
        accepted.started_at = accepted.finished_at = task.created_at
        accepted.add_log("accepted and stored durably")
        task.percent = task.computed_percent()
        return task

    def summary(self) -> dict[str, Any]:
        """The fields a task listing shows (no steps, no results)."""
        return self.model_dump(
            mode="json",
            include={
                "task_id",
                "trace_id",
                "state",
                "percent",
                "current_step",
                "error_message",
                "source",
                "created_at",
                "updated_at",
            },
        )

    def public(self) -> dict[str, Any]:
        """What ``GET /v1/tasks/{task_id}`` and each server-sent event carry."""
        return self.model_dump(mode="json", exclude={"steps": {"__all__": {"units_done"}}})

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"unknown step {name!r}; steps are {', '.join(STEP_NAMES)}")

    def computed_percent(self) -> int:
        total = sum(step.weight * step.fraction() for step in self.steps)
        if self.state is TaskState.SUCCESS:
            return 100
        return min(99, int(total))

    # Folding ------------------------------------------------------------------------------
    def apply(
        self,
        step_name: str,
        state: str,
        *,
        unit: str = "",
        total_units: int = 0,
        message: str = "",
        error: str = "",
    ) -> bool:
        """Fold one progress report in. Returns False when it changes nothing.

        ``state`` is one of :data:`REPORT_STATES`. With ``unit`` the report counts one unit
        (a part) of the step, which is done once ``total_units`` distinct units are.

        Raises:
            ValueError: an unknown ``state``; KeyError: an unknown step.
        """
        if state not in REPORT_STATES:
            raise ValueError(f"unknown report state {state!r}; use one of {REPORT_STATES}")
        if self.state.terminal:
            return False
        step = self.step(step_name)
        at = now()
        if step.started_at is None:
            step.started_at = at
        if total_units:
            step.total_units = max(step.total_units, total_units)
        finishes_unit = state in ("done", "skipped")
        if unit and finishes_unit and unit not in step.units_done:
            step.units_done.append(unit)
        if state == "retrying":
            step.add_log(f"retrying: {error or message}" if error or message else "retrying")
        elif message or error:
            step.add_log(error or message)
        if state == "failed":
            step.state = StepState.FAILED
            step.finished_at = at
        elif step.state in (StepState.DONE, StepState.SKIPPED, StepState.FAILED):
            pass  # a late or repeated report of a finished step only adds its log line
        elif unit and finishes_unit:
            if step.total_units and len(step.units_done) >= step.total_units:
                step.state, step.finished_at = StepState.DONE, at
            else:
                step.state = StepState.RUNNING
        elif finishes_unit:
            step.state = StepState(state)
            step.finished_at = at
        else:  # running, retrying
            step.state = StepState.RUNNING
        if self.state is TaskState.QUEUED:
            self.state = TaskState.RUNNING
        self.current_step = step_name
        if state == "failed":
            self.state = TaskState.FAILED
            self.error_message = error or message or f"{step_name} failed"
        elif self.steps[-1].fraction() >= 1.0:
            self._succeed(at)
        self.percent = max(self.percent, self.computed_percent())
        self.updated_at = at
        return True

    def _succeed(self, at: datetime) -> None:
        # The last step completes only after every earlier one did for every part, so steps
        # whose reports were skipped (a handler that reports coarsely) count as done too.
        for step in self.steps:
            if step.state not in (StepState.DONE, StepState.SKIPPED):
                step.state = StepState.DONE
                step.started_at = step.started_at or at
                step.finished_at = at
        self.state = TaskState.SUCCESS
        self.current_step = None

    def fail(self, step_name: str, reason: str) -> bool:
        return self.apply(step_name, "failed", error=reason)

    def cancel(self, reason: str = "cancelled by the caller") -> bool:
        """Mark the task cancelled (workers stop at their next check). False if finished."""
        if self.state.terminal:
            return False
        self.state = TaskState.CANCELLED
        self.error_message = reason
        self.updated_at = now()
        self.step(self.current_step or "accepted").add_log(reason)
        return True

    def reopen(self, note: str) -> bool:
        """Take a FAILED task back to RUNNING at its failed step (a dead letter replayed)."""
        if self.state is not TaskState.FAILED:
            return False
        failed = [s for s in self.steps if s.state is StepState.FAILED]
        step = failed[0] if failed else self.step(self.current_step or "normalize")
        step.state, step.finished_at = StepState.RUNNING, None
        step.add_log(note)
        self.state, self.error_message, self.current_step = TaskState.RUNNING, None, step.name
        self.updated_at = now()
        return True

    def add_result(self, kind: str, item: dict[str, Any], key: str) -> bool:
        items: list[dict[str, Any]] = getattr(self.result, kind)
        for i, existing in enumerate(items):
            if existing.get(key) == item.get(key):
                if existing == item:
                    return False
                items[i] = item
                break
        else:
            items.append(item)
        self.updated_at = now()
        return True
