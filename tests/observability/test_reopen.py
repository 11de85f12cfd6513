"""Reopening a failed task when its dead letter is replayed."""

from __future__ import annotations

from radar_common.tasks import Task, TaskState


def test_a_failed_task_reopens_at_its_failed_step_and_can_then_succeed() -> None:
    task = Task.new("t1", "0" * 31 + "1")
    task.apply("normalize", "done")
    task.fail("match", "no part number")
    percent = task.percent

    assert task.reopen("dead letter 3 replayed")

    assert task.state is TaskState.RUNNING
    assert task.error_message is None
    assert task.current_step == "match"
    assert task.step("match").state.value == "running"
    assert task.step("match").log[-1].endswith("dead letter 3 replayed")
    assert task.percent == percent
    for step in ("match", "assess", "persist", "notify"):
        task.apply(step, "done")
    assert task.state.value == "SUCCESS"


def test_only_failed_tasks_reopen() -> None:
    running = Task.new("t2", "0" * 31 + "2")
    running.apply("normalize", "running")
    assert not running.reopen("replayed")
    assert running.state is TaskState.RUNNING
    cancelled = Task.new("t3", "0" * 31 + "3")
    cancelled.cancel()
    assert not cancelled.reopen("replayed")
    assert cancelled.state is TaskState.CANCELLED
