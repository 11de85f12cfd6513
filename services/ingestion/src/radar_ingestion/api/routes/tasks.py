"""Following a task: read it, stream its changes, cancel it, list tasks.

Every server-sent event carries the whole task and has the record's KV revision as its id, so a
client that reconnects with ``Last-Event-ID`` gets the current state if it changed since, then
every later change: nothing is missed even though intermediate revisions are not kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response, status
from sse_starlette import EventSourceResponse

from radar_common.tasks import Task, TaskNotFound, TaskState, TaskStore
from radar_common.tasks.follow import (
    MalformedEventId,
    last_event_revision,
    seen_the_end,
    task_event_stream,
)
from radar_ingestion.api.deps import CredentialsFirst, StateDep, require_scope
from radar_ingestion.problems import Problem, unavailable

router = APIRouter(route_class=CredentialsFirst, prefix="/v1", tags=["tasks"])
# Reading and following tasks needs `read`; cancelling one needs `admin`.
READ = [require_scope("read")]
TaskId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The id from the 202 answer")]
# An event id is the record's KV revision: a uint64, in ASCII digits (never `²`, never 5,000).
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such task (never accepted, or past retention)"}
}


def _unavailable(exc: Exception) -> Problem:
    return unavailable("The task store", cause=exc)


def _not_found(task_id: str) -> Problem:
    return Problem(404, "task-not-found", "No such task", f"task {task_id} is unknown or expired")


async def _read(tasks: TaskStore, task_id: str) -> tuple[Task, int]:
    try:
        return await tasks.get_with_revision(task_id)
    except TaskNotFound as exc:
        raise _not_found(task_id) from exc
    except Exception as exc:
        raise _unavailable(exc) from exc


@router.get("/tasks", summary="List tasks, newest first", dependencies=READ)
async def list_tasks(
    state: StateDep,
    task_state: Annotated[
        list[TaskState] | None, Query(alias="state", description="Repeat to allow several")
    ] = None,
    since: Annotated[datetime | None, Query(description="Created at or after (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    try:
        found = await state.tasks.list(states=task_state or (), since=since, limit=limit)
    except Exception as exc:
        raise _unavailable(exc) from exc
    return {"tasks": [t.summary() for t in found], "count": len(found)}


@router.get(
    "/tasks/{task_id}",
    summary="The state and progress of a task",
    responses=NOT_FOUND,
    dependencies=READ,
)
async def get_task(state: StateDep, task_id: TaskId) -> dict[str, Any]:
    task, _ = await _read(state.tasks, task_id)
    return task.public()


@router.delete(
    "/tasks/{task_id}",
    summary="Cancel a task",
    dependencies=[require_scope("admin")],
    responses={**NOT_FOUND, 409: {"description": "The task already ended (SUCCESS or FAILED)"}},
)
async def cancel_task(state: StateDep, task_id: TaskId) -> dict[str, Any]:
    """Mark the task ``CANCELLED``; workers stop at their next check and send no alert.

    Cancelling a cancelled task answers it again (DELETE is idempotent).
    """
    await _read(state.tasks, task_id)
    try:
        task = await state.tasks.cancel(task_id)
    except TaskNotFound as exc:
        raise _not_found(task_id) from exc
    except Exception as exc:
        raise _unavailable(exc) from exc
    if task.state is not TaskState.CANCELLED:
        raise Problem(
            409,
            "task-finished",
            "The task already ended",
            f"task {task_id} is {task.state.value}",
            state=task.state.value,
        )
    return task.public()


@router.get(
    "/tasks/{task_id}/events",
    summary="Server-sent events: the task after each change, until it ends",
    response_class=EventSourceResponse,
    dependencies=READ,
    responses={
        **NOT_FOUND,
        200: {"content": {"text/event-stream": {}}},
        204: {"description": "Nothing after Last-Event-ID: the task had already ended"},
        400: {"description": "Last-Event-ID is not an id this stream sent"},
    },
)
async def task_events(
    state: StateDep,
    task_id: TaskId,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    try:
        after = last_event_revision(last_event_id)
    except MalformedEventId as exc:
        raise Problem(400, "malformed", "Malformed Last-Event-ID", str(exc)) from exc
    task, revision = await _read(state.tasks, task_id)
    if seen_the_end(task, revision, after):
        # 204 tells an EventSource not to reconnect: the client has already seen the end.
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return task_event_stream(state.tasks, task_id, after)
