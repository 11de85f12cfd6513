"""GET /v1/tasks/{task_id} — follow a task."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from radar_common.tasks import TaskNotFound
from radar_ingestion.api.deps import AuthDep, StateDep
from radar_ingestion.problems import Problem, unavailable

router = APIRouter(prefix="/v1", tags=["tasks"], dependencies=[AuthDep])


@router.get("/tasks/{task_id}", summary="The state and progress of a task")
async def get_task(
    state: StateDep, task_id: str = Path(pattern=r"^[0-9a-f]{32}$")
) -> dict[str, Any]:
    try:
        task = await state.tasks.get(task_id)
    except TaskNotFound as exc:
        raise Problem(404, "task-not-found", "No such task", f"task {task_id} is unknown") from exc
    except Exception as exc:
        raise unavailable(f"task store unavailable: {exc!r}") from exc
    return task.model_dump(mode="json", exclude={"steps": {"__all__": {"units_done"}}})
