"""Folding reports into a task: weighted percent, per-part smoothness, retries, cancellation."""

from __future__ import annotations

import itertools

import pytest

from radar_common.tasks import REPORT_STATES, STEPS, Task, TaskState
from radar_ingestion.schemas import TaskAccepted

PER_PART = ("match", "assess", "persist", "notify")


def new_task() -> Task:
    return Task.new("a" * 32, "b" * 32, source="siliconexpert")


def test_the_202_says_0_and_the_stored_task_counts_the_accepted_step() -> None:
    accepted = TaskAccepted(task_id="a" * 32, trace_id="b" * 32, status_url="http://x/v1/tasks/a")
    assert (accepted.state, accepted.percent) == ("QUEUED", 0)
    stored = new_task()
    assert (stored.state, stored.percent) == (TaskState.QUEUED, 5)
    assert [s.name for s in stored.steps] == [name for name, _ in STEPS]
    assert sum(s.weight for s in stored.steps) == 100


def test_percent_sequence_of_a_notice_naming_12_parts() -> None:
    task = new_task()
    seen = [task.percent]
    task.apply("normalize", "running", message="normalizing")
    seen.append(task.percent)
    task.apply("normalize", "done", message="12 part(s)")
    seen.append(task.percent)
    # Parts are handled in parallel: interleave them the way two replicas might.
    for part in (*range(0, 12, 2), *range(1, 12, 2)):
        for step in PER_PART:
            task.apply(step, "done", unit=str(part), total_units=12)
            seen.append(task.percent)
    assert seen[:3] == [5, 5, 20]
    assert seen == sorted(seen), "percent never goes backwards"
    assert 100 not in seen[:-1], "100 only at SUCCESS"
    assert seen[-1] == 100
    assert task.state is TaskState.SUCCESS
    # Each part adds weight/12 of each per-part step: smooth, never a jump of a whole step.
    steps = [b - a for a, b in itertools.pairwise(seen[2:])]
    assert max(steps) <= 3
    assert len(set(seen)) > 40


def test_one_part_notice_moves_step_by_step() -> None:
    task = new_task()
    percents = []
    for step in ("normalize", *PER_PART):
        task.apply(step, "done", unit="0" if step != "normalize" else "", total_units=1)
        percents.append(task.percent)
    assert percents == [20, 35, 60, 70, 100]


def test_retrying_is_logged_and_keeps_the_step_running() -> None:
    task = new_task()
    task.apply("assess", "retrying", message="delivery 1 failed: TimeoutError(); retry in 0.5s")
    step = task.step("assess")
    assert step.state == "running"
    assert task.state is TaskState.RUNNING
    assert step.log[-1].endswith("retrying: delivery 1 failed: TimeoutError(); retry in 0.5s")
    assert task.percent == 5
    assert "retrying" in REPORT_STATES


def test_a_late_retrying_report_does_not_reopen_a_finished_step() -> None:
    task = new_task()
    task.apply("normalize", "done")
    task.apply("normalize", "retrying", message="late")
    assert task.step("normalize").state == "done"
    assert task.percent == 20


def test_unknown_report_state_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report state"):
        new_task().apply("normalize", "finished")


def test_failure_names_the_step_and_reason() -> None:
    task = new_task()
    task.apply("normalize", "done")
    task.fail("assess", "assess timed out after 2s (delivery 3 of 3)")
    assert task.state is TaskState.FAILED
    assert task.current_step == "assess"
    assert task.error_message == "assess timed out after 2s (delivery 3 of 3)"
    assert task.step("assess").state == "failed"
    assert task.percent == 20


def test_cancel_is_terminal_and_later_reports_change_nothing() -> None:
    task = new_task()
    task.apply("normalize", "running")
    assert task.cancel()
    assert task.state is TaskState.CANCELLED
    assert task.error_message == "cancelled by the caller"
    assert task.step("normalize").log[-1].endswith("cancelled by the caller")
    assert not task.apply("normalize", "done")
    assert not task.cancel()
    assert task.percent == 5


def test_success_marks_every_step_done() -> None:
    task = new_task()
    task.apply("notify", "done", unit="0", total_units=1)
    assert task.state is TaskState.SUCCESS
    assert [s.state for s in task.steps] == ["done"] * len(STEPS)
    assert all(s.finished_at is not None for s in task.steps)


def test_the_public_view_hides_unit_bookkeeping() -> None:
    task = new_task()
    task.apply("match", "done", unit="3", total_units=4)
    public = task.public()
    assert "units_done" not in public["steps"][2]
    assert public["steps"][2]["state"] == "running"
    assert set(task.summary()) >= {"task_id", "state", "percent", "created_at", "updated_at"}
