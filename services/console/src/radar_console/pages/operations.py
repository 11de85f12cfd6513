"""Operations: tasks as they run, and dead letters with their replay.

- ``GET /operations``: the latest tasks (the task store's list, newest first) and every dead
  letter with its stage and reason. The task table refreshes itself while tasks run (htmx);
  without JavaScript, reloading shows the same.
- ``GET /operations/tasks/{id}``: one task's steps; its state, percent and step follow live
  over ``/operations/tasks/{id}/events``, which has the semantics of the API's
  ``GET /v1/tasks/{id}/events`` (same events, ids and ``Last-Event-ID`` resumption; shared code
  in ``radar_common.tasks.follow``), behind the console's sign-in instead of an API key.
- ``POST /operations/dead-letters/{id}/replay`` (admins): what ``radar dlq replay`` does —
  ``radar_common.bus.dead_letters.DeadLetters.replay``.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import RedirectResponse, Response

from radar_common.bus.dead_letters import DeadLetterNotFound, StoredDeadLetter, describe
from radar_common.tasks import TaskNotFound
from radar_common.tasks.follow import (
    MalformedEventId,
    last_event_revision,
    seen_the_end,
    task_event_stream,
)
from radar_console.auth.session import Admin, Engineer
from radar_console.state import StateDep
from radar_console.web.frame import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
TaskId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
DEAD_LETTERS_LISTED = 200


async def _dead_letters(state: StateDep) -> list[StoredDeadLetter]:
    return [s async for s in state.dead_letters.list(limit=DEAD_LETTERS_LISTED)]


@router.get("/operations")
async def operations(
    request: Request, state: StateDep, user: Engineer, task: str = "", replayed: str = ""
) -> Response:
    if task.strip():
        return RedirectResponse(f"/operations/tasks/{task.strip().lower()}", status_code=303)
    tasks = await state.tasks.list(limit=state.settings.console_task_list_limit)
    letters = await _dead_letters(state)
    return render(
        request,
        "operations.html",
        {
            "tasks": tasks,
            "running": any(not t.state.terminal for t in tasks),
            "letters": letters,
            "replayed": replayed,
            "may_replay": user.may_replay,
        },
        active="operations",
    )


@router.get("/operations/tasks/{task_id}")
async def task_page(request: Request, state: StateDep, user: Engineer, task_id: TaskId) -> Response:
    try:
        task, revision = await state.tasks.get_with_revision(task_id)
    except TaskNotFound:
        return render(
            request,
            "error.html",
            {"title": "No such task", "message": f"Task {task_id} is unknown or expired."},
            status=404,
            active="operations",
        )
    return render(
        request,
        "task.html",
        {"task": task, "public": task.public(), "revision": revision},
        active="operations",
    )


@router.get("/operations/tasks/{task_id}/events")
async def task_events(
    state: StateDep,
    user: Engineer,
    task_id: TaskId,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    try:
        after = last_event_revision(last_event_id)
    except MalformedEventId:
        return Response(status_code=400)
    try:
        task, revision = await state.tasks.get_with_revision(task_id)
    except TaskNotFound:
        return Response(status_code=404)
    if seen_the_end(task, revision, after):
        return Response(status_code=204)
    return task_event_stream(state.tasks, task_id, after)


@router.get("/operations/dead-letters/{letter_id}")
async def dead_letter_page(
    request: Request, state: StateDep, user: Engineer, letter_id: int
) -> Response:
    try:
        stored = await state.dead_letters.get(letter_id)
    except DeadLetterNotFound:
        return _no_letter(request, letter_id)
    detail: dict[str, Any] = describe(state.bus.topology, stored)
    return render(
        request,
        "dead_letter.html",
        {
            "letter": detail,
            "payload": json.dumps(detail.pop("payload"), indent=2, default=str),
            "may_replay": user.may_replay,
        },
        active="operations",
    )


@router.post("/operations/dead-letters/{letter_id}/replay")
async def replay(request: Request, state: StateDep, user: Admin, letter_id: int) -> Response:
    try:
        done = await state.dead_letters.replay(letter_id)
    except DeadLetterNotFound:
        return _no_letter(request, letter_id)
    log.info("%s replayed dead letter %d (task %s)", user.email, letter_id, done.task_id)
    return RedirectResponse(f"/operations?replayed={done.id}", status_code=303)


def _no_letter(request: Request, letter_id: int) -> Response:
    return render(
        request,
        "error.html",
        {
            "title": "No such dead letter",
            "message": f"Dead letter {letter_id} is not stored any more "
            "(replayed, or past its retention).",
            "back": "/operations",
        },
        status=404,
        active="operations",
    )
