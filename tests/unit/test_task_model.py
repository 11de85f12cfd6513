"""Folding progress reports into a task: monotone, idempotent, terminal states sticky."""

from __future__ import annotations

from radar_common.tasks.model import STEPS, Task, TaskState


def test_weights_sum_to_100() -> None:
    assert sum(w for _, w in STEPS) == 100


def test_new_task_is_queued_with_accepted_done() -> None:
    task = Task.new("a" * 32, "b" * 32)
    assert task.state is TaskState.QUEUED
    assert task.percent == 5
    assert task.step("accepted").state == "done"


def test_per_part_steps_move_smoothly_and_reach_100_only_at_success() -> None:
    task = Task.new("a" * 32, "b" * 32)
    task.apply("normalize", "done")
    seen = [task.percent]
    for part in range(12):
        for step in ("match", "assess", "persist", "notify"):
            task.apply(step, "done", unit=str(part), total_units=12)
            seen.append(task.percent)
    assert seen == sorted(seen)
    assert seen[-2] < 100
    assert seen[-1] == 100
    assert task.state is TaskState.SUCCESS
    assert len(set(seen)) > 12  # moved part by part, not in one jump


def test_a_unit_reported_twice_counts_once() -> None:
    task = Task.new("a" * 32, "b" * 32)
    task.apply("notify", "done", unit="0", total_units=2)
    once = task.percent
    task.apply("notify", "done", unit="0", total_units=2)
    assert task.percent == once
    assert task.state is TaskState.RUNNING


def test_terminal_states_are_sticky() -> None:
    task = Task.new("a" * 32, "b" * 32)
    task.fail("normalize", "no part found")
    assert task.state is TaskState.FAILED
    assert task.error_message == "no part found"
    assert not task.apply("notify", "done", unit="0", total_units=1)
    assert not task.cancel()
    assert task.state is TaskState.FAILED
