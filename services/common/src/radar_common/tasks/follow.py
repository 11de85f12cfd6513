"""Following one task as server-sent events: the semantics of ``GET /v1/tasks/{id}/events``.

Every event is the whole task with the record's KV revision as its id. A client that comes
back with ``Last-Event-ID`` gets the current state if it changed since, then every later
change; when the task had already ended at that revision there is nothing to send (the HTTP
layer answers 204 so that an ``EventSource`` stops reconnecting). The API and the console
both serve this, each with its own authentication.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse, ServerSentEvent

from radar_common.tasks.model import Task
from radar_common.tasks.store import TaskStore

# Seconds between keep-alive comments, so that proxies do not close a quiet stream.
PING_SECONDS = 10
# Event ids are KV revisions: ASCII digits that fit an unsigned 64-bit integer.
_REVISION = re.compile(r"[0-9]{1,20}")


class MalformedEventId(ValueError):
    """A ``Last-Event-ID`` that is not an id this stream sent (the HTTP layer answers 400)."""


def last_event_revision(last_event_id: str | None) -> int:
    """The revision a reconnecting client has seen (0 when it sends none).

    Raises:
        MalformedEventId: anything but ASCII digits (``str.isdigit`` accepts ``²``) or a
            number too long to be a revision.
    """
    if not last_event_id:
        return 0
    if not _REVISION.fullmatch(last_event_id):
        raise MalformedEventId("Last-Event-ID must be the decimal id of an event this stream sent.")
    return int(last_event_id)


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


async def _task_events(
    tasks: TaskStore, task_id: str, after: int
) -> AsyncIterator[ServerSentEvent]:
    async for task, revision in follow(tasks, task_id, after):
        yield ServerSentEvent(data=json.dumps(task.public()), event="task", id=str(revision))


def task_event_stream(tasks: TaskStore, task_id: str, after: int = 0) -> EventSourceResponse:
    """The ``text/event-stream`` answer that follows a task (see :func:`follow`).

    Args:
        tasks: the task store.
        task_id: the task to follow (the caller has checked that it exists).
        after: the revision the client has seen (:func:`last_event_revision`).

    Returns:
        A streaming response: each event is the whole public task, its id the revision;
        keep-alive pings every ``PING_SECONDS``; never cached or buffered by a proxy.
    """
    return EventSourceResponse(
        _task_events(tasks, task_id, after),
        ping=PING_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
