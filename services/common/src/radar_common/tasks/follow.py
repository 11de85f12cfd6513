"""Following one task as server-sent events: the semantics of ``GET /v1/tasks/{id}/events``.

Every event is the whole task with the record's KV revision as its id. A client that comes
back with ``Last-Event-ID`` gets the current state if it changed since, then every later
change; when the task had already ended at that revision there is nothing to send (the HTTP
layer answers 204 so that an ``EventSource`` stops reconnecting). The API and the console
both serve this, each with its own authentication.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from radar_common.tasks.model import Task
from radar_common.tasks.store import TaskStore


def last_event_revision(last_event_id: str | None) -> int:
    """The revision a reconnecting client has seen (0: none or unreadable)."""
    return int(last_event_id) if last_event_id and last_event_id.isdigit() else 0


def seen_the_end(task: Task, revision: int, after: int) -> bool:
    """True when the task, read at ``revision``, had ended by revision ``after``."""
    return task.state.terminal and revision <= after


async def follow(tasks: TaskStore, task_id: str, after: int = 0) -> AsyncIterator[tuple[Task, int]]:
    """(task, revision) for every state after revision ``after``, ending with a terminal one."""
    async for task, revision in tasks.watch(task_id):
        if revision <= after:
            continue
        yield task, revision
        if task.state.terminal:
            return
